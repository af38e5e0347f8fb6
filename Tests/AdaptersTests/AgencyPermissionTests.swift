import Adapters
import AMQP
import CaseModel
import Foundation
import Testing
import TestSupport

/// What an agency's broker user may write: `case.ingress`, nothing else. Its adapter's failed
/// inbox messages reach the dead letters through the broker's dead-lettering, not a permission.
@Suite("Broker permissions of agency users", .serialized)
struct AgencyPermissionTests {
    @Test("definitions.json grants every agency write on case.ingress alone")
    func definitions() throws {
        let file = TestBroker.packageRoot.appendingPathComponent("deploy/rabbitmq/definitions.json")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        let permissions = try #require(document["permissions"] as? [[String: Any]])
        let agencies = permissions.filter { permission in
            guard let user = permission["user"] as? String else { return false }
            return AgencyID(user) != nil
        }
        #expect(agencies.count >= 18)
        for permission in agencies {
            #expect(permission["write"] as? String == "^case\\.ingress$", "\(permission["user"] ?? "?")")
        }
    }

    @Test("an agency user cannot publish to case.dead (ACCESS_REFUSED), and still can to case.ingress")
    func noWriteOnDeadLetters() async throws {
        let hub = try await Hub(router: false)
        let connection = try await Connection.connect(try hub.connection(as: "av.istanbul"))
        let event = try fresh(try canonicalExample("asylum.decision-issued.v1"))
        let forged = event.message(userID: "av.istanbul")
        await #expect {
            try await connection.openChannel().publish(forged, exchange: "case.dead", routingKey: event.type)
        } throws: { error in
            (error as? AMQPError)?.replyCode == 403 && (error as? AMQPError)?.replyText?.contains("ACCESS_REFUSED") == true
        }
        // The same user on a new channel: case.ingress is still its to write.
        try await connection.openChannel().publish(forged, exchange: "case.ingress", routingKey: event.type)
        #expect(try await hub.depth("dead.letters") == 0, "nothing reached the dead letters")
        await connection.close()
        try await hub.stop()
    }
}
