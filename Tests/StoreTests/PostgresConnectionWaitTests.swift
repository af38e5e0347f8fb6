import Foundation
import Logging
import Store
import TestSupport
import Testing

@Suite("PostgreSQL: waiting for a connection is bounded")
struct PostgresConnectionWaitTests {
    /// Without the bound the append waits for ever; the time limit turns that into a failure.
    @Test("an unreachable server fails an operation after connect_wait instead of waiting forever", .timeLimit(.minutes(3)))
    func unreachableServerFails() async throws {
        // A port nobody listens on: postgres-nio's pool keeps retrying the connection for ever.
        let port = try freeLocalPort()
        let location = try StoreLocation(parsing: "postgres://drehscheibe:secret@127.0.0.1:\(port)/drehscheibe?sslmode=disable&connect_wait=2")
        var logger = Logger(label: "test.store.unreachable")
        logger.logLevel = .critical
        await #expect {
            try await HubStore.withStore(location, logger: logger) { store in
                try await store.appendAudit(AuditEntry(actor: operatorAlice, action: "test.append", subject: "n:1"))
            }
        } throws: { error in
            (error as? StoreError)?.code == .database && "\(error)".contains("no PostgreSQL connection within")
        }
    }

    @Test("connect_wait is read from the URL and must be positive")
    func parsesConnectWait() throws {
        guard case .postgres(let location) = try StoreLocation(parsing: "postgres://u:p@db:5432/hub?connect_wait=7") else {
            Issue.record("not a PostgreSQL location")
            return
        }
        #expect(location.connectionWait == .seconds(7))
        #expect(throws: StoreError.self) { try StoreLocation(parsing: "postgres://u:p@db:5432/hub?connect_wait=0") }
    }
}
