import AMQP
import Foundation
import Testing
import TestSupport

/// What one partner can cost the others is bounded by the broker's configuration
/// (deploy/local/broker's rabbitmq.conf, deploy/rabbitmq/definitions.json): these tests read
/// the limits back from the running node, and try the ones a single test can try.
@Suite("Broker limits and secrets of the hub's node")
struct BrokerLimitsTests {
    static var agencyUsers: [String] {
        let file = TestBroker.packageRoot.appendingPathComponent("deploy/rabbitmq/definitions.json")
        let definitions = (try? JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any]) ?? [:]
        return ((definitions["users"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }.filter { !$0.hasPrefix("drehscheibe-") }
    }

    @Test("a message over the broker's max_message_size (2 MiB) is refused at publish")
    func maximumMessageSize() async throws {
        let connection = try await connect()
        let channel = try await connection.openChannel()
        let queue = uniqueName("size")
        try await channel.declareQueue(queue, durable: false, exclusive: true)
        try await channel.publish(Message(body: [UInt8](repeating: 1, count: 2 << 20)), exchange: "", routingKey: queue)
        let refused = await #expect(throws: AMQPError.self) {
            try await connection.openChannel().publish(Message(body: [UInt8](repeating: 1, count: (2 << 20) + 1)), exchange: "", routingKey: queue)
        }
        #expect(refused?.replyCode == 406, "\(String(describing: refused))")
        await connection.close()
    }

    @Test("every agency user has connection and channel limits, and the node applies them")
    func userLimits() throws {
        let users = Self.agencyUsers
        #expect(users.count >= 18)
        for user in users {
            let output = try TestBroker.rabbitmqctl(["-q", "list_user_limits", "--user", user])
            #expect(output.contains("\"max-connections\":16") && output.contains("\"max-channels\":128"), "\(user): \(output)")
        }
    }

    @Test("router.ingress is bounded and pushes back on publishers (reject-publish), with at-least-once dead-lettering and a delivery limit")
    func boundedIngress() throws {
        let vhost = try TestBroker.isolatedVirtualHost("limits")
        defer { TestBroker.deleteVirtualHost(vhost) }
        let queues = try TestBroker.rabbitmqctl(["-q", "--no-table-headers", "list_queues", "-p", vhost, "name", "policy"])
        let shards = queues.split(separator: "\n").filter { $0.hasPrefix("router.ingress.") }
        #expect(shards.count == 4)
        let policies = Set(shards.compactMap { $0.split(whereSeparator: \.isWhitespace).last.map(String.init) })
        #expect(policies.count == 1, "\(shards)")
        let definitions = try TestBroker.rabbitmqctl(["-q", "--no-table-headers", "list_policies", "-p", vhost])
        let definition = try #require(definitions.split(separator: "\n").first { $0.contains("\t\(policies.first ?? "?")\t") })
        for setting in ["\"max-length\":100000", "\"max-length-bytes\":", "\"overflow\":\"reject-publish\"", "\"delivery-limit\":5", "at-least-once"] {
            #expect(definition.contains(setting), "\(definition)")
        }
    }

    @Test("private keys of the node's TLS material are readable by their owner alone")
    func privateKeys() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: TestBroker.tlsDirectory.path).filter { $0.hasSuffix(".key") }
        #expect(Set(files).isSuperset(of: ["ca.key", "server.key", "client.key"]))
        for file in files {
            let attributes = try FileManager.default.attributesOfItem(atPath: TestBroker.tlsDirectory.appendingPathComponent(file).path)
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
            #expect(mode & 0o077 == 0, "\(file) has mode \(String(mode, radix: 8))")
        }
    }

    @Test("a client certificate naming a hub user but issued by another CA cannot log in")
    func foreignCertificate() async throws {
        let (directory, key, certificate) = try foreignClientCertificate()
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = ConnectionConfiguration(
            host: "localhost", port: try TestBroker.amqpsPort(), virtualHost: "/", authentication: .external,
            tls: TLSConfiguration(
                caFile: "\(TestBroker.tlsDirectory.path)/ca.pem", certificateFile: certificate, keyFile: key, verifyPeer: true,
                verifyHostname: true),
            connectionName: "tls-foreign", recovery: .disabled)
        await #expect(throws: AMQPError.self) { try await Connection.connect(configuration) }
    }
}

extension BrokerLimitsTests {
    /// RabbitMQ 3.10 rejects a publish to a full `reject-publish` queue only towards a channel
    /// in confirm mode (basic.nack); in a transaction the message is dropped and the commit
    /// succeeds. The router delivers in transactions, so it must not rely on the broker here:
    /// it watches the depth of the queues it writes (`QueueCapacity`).
    @Test("premise: a transaction's publish to a full reject-publish quorum queue is dropped without an error or a return")
    func fullQueueDropsTransactionalPublishes() async throws {
        let connection = try await connect()
        let channel = try await connection.openChannel(publisherConfirms: false)
        let queue = uniqueName("full")
        _ = try await channel.declareQueue(queue, durable: true, arguments: ["x-queue-type": "quorum", "x-max-length": .int64(2), "x-overflow": "reject-publish"])
        try await channel.selectTransactions()
        for round in 0..<5 {
            let returned = try await channel.commit(
                publishing: [OutgoingMessage(exchange: "", routingKey: queue, message: Message(body: [UInt8(round)]), mandatory: true)],
                acknowledging: [])
            #expect(returned.isEmpty)
        }
        // A quorum queue checks its length asynchronously: one more may slip in, not all five.
        let depth = try await channel.inspectQueue(queue).messageCount
        #expect(depth < 5, "depth \(depth)")
        _ = try await channel.deleteQueue(queue)
        await connection.close()
    }
}

extension BrokerLimitsTests {
    /// `user_id` is the sender only because RabbitMQ refuses any other than the publishing
    /// user's; a user with the `impersonator` tag could set any.
    @Test("no broker user may impersonate another (the premise of user_id as the sender)")
    func noImpersonators() throws {
        let file = TestBroker.packageRoot.appendingPathComponent("deploy/rabbitmq/definitions.json")
        let definitions = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        let users = try #require(definitions["users"] as? [[String: Any]])
        #expect(users.count >= 20)
        for user in users {
            #expect(!((user["tags"] as? [String]) ?? []).contains("impersonator"), "\(user["name"] ?? "?")")
        }
        let listed = try TestBroker.rabbitmqctl(["-q", "list_users"])
        #expect(!listed.contains("impersonator"), "\(listed)")
    }
}
