import AMQP
import Foundation
import Logging
import Synchronization
import Testing
import TestSupport

@Suite("Recovery after the broker closes the connection")
struct RecoveryTests {
    @Test("reconnects, re-declares, resumes consuming; no confirmed message is lost")
    func closeConnection() async throws {
        let name = "recovery-\(UUID().uuidString.prefix(8))"
        let connection = try await connect(name)
        let events = connection.events()
        let publisher = try await connection.openChannel()
        let consumerChannel = try await connection.openChannel(publisherConfirms: false)
        // Exclusive: the broker deletes it with the connection, so only re-declaring brings it back.
        let queue = uniqueName("recover")
        try await publisher.declareQueue(queue, durable: false, exclusive: true)
        try await consumerChannel.setPrefetch(50)
        let consumer = try await consumerChannel.consume(queue: queue)

        let received = Mutex<Set<String>>([])
        let consuming = Task {
            for try await delivery in consumer {
                received.withLock { _ = $0.insert(String(decoding: delivery.body, as: UTF8.self)) }
                try? delivery.ack()  // stale after the reconnect: the broker redelivers those
            }
        }

        let confirmed = Mutex<Set<String>>([])
        let failed = Mutex(0)
        let publishing = Task {
            for index in 0..<600 {
                let body = "m-\(index)"
                do {
                    try await publisher.publish(Message(body), exchange: "", routingKey: queue)
                    confirmed.withLock { _ = $0.insert(body) }
                } catch let error as AMQPError {
                    // Reported failed, never as sent: the caller would publish again.
                    #expect([.connectionLost, .notConnected].contains(error.code), "\(error)")
                    failed.withLock { $0 += 1 }
                    try await Task.sleep(for: .milliseconds(20))
                }
                if index == 200 {
                    #expect(try TestBroker.closeConnections(named: name) == 1)
                }
            }
        }

        let (sawDisconnect, sawRecovery) = try await withDeadline(.seconds(180), "disconnect and recovery events") {
            var disconnected = false
            var recovered = false
            for await event in events {
                switch event {
                case .disconnected(let error):
                    #expect(error.code == .connectionClosedByServer)
                    #expect(error.replyCode == 320)
                    disconnected = true
                case .recovered:
                    recovered = true
                default: break
                }
                if disconnected && recovered { break }
            }
            return (disconnected, recovered)
        }
        #expect(sawDisconnect && sawRecovery)
        try await publishing.value
        #expect(connection.isConnected)

        // Every confirmed message published after the recovery must arrive. Those confirmed
        // before the close sat in an exclusive queue that the broker deleted with the old
        // connection, so they are not expected; everything later is.
        let expectedAfter = confirmed.withLock { $0 }.filter { Int($0.dropFirst(2))! > 200 }
        try await withDeadline(.seconds(30), "the consumer to receive every message confirmed after recovery") {
            while !expectedAfter.isSubset(of: received.withLock({ $0 })) {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        #expect(expectedAfter.count > 300)
        consuming.cancel()
        await connection.close()
    }

    @Test("durable queue: every message confirmed before and after the close is consumed")
    func durableNothingLost() async throws {
        let name = "recovery-durable-\(UUID().uuidString.prefix(8))"
        let connection = try await connect(name)
        let publisher = try await connection.openChannel()
        let queue = uniqueName("durable")
        try await publisher.declareQueue(queue, arguments: QueueArguments(type: .quorum))

        var confirmed: Set<String> = []
        var recovered = false
        let events = connection.events()
        for index in 0..<400 {
            do {
                try await publisher.publish(Message("d-\(index)"), exchange: "", routingKey: queue)
                confirmed.insert("d-\(index)")
            } catch let error as AMQPError {
                #expect([.connectionLost, .notConnected].contains(error.code), "\(error)")
            }
            if index == 150 {
                #expect(try TestBroker.closeConnections(named: name) == 1)
                try await withDeadline(.seconds(30), "recovery") {
                    for await event in events { if case .recovered = event { return () } }
                    return ()
                }
                recovered = true
            }
        }
        #expect(recovered)
        let reader = try await connect()
        let channel = try await reader.openChannel(publisherConfirms: false)
        try await channel.setPrefetch(200)
        let count = Int(try await channel.inspectQueue(queue).messageCount)
        #expect(count >= confirmed.count)
        let bodies = try await channel.consume(queue: queue).take(count).map { String(decoding: $0.body, as: UTF8.self) }
        #expect(confirmed.isSubset(of: Set(bodies)), "lost: \(confirmed.subtracting(bodies).sorted().prefix(5))")
        try await channel.deleteQueue(queue)
        await reader.close()
        await connection.close()
    }

    @Test("without recovery, a forced close ends consumers with the server's reason")
    func noRecovery() async throws {
        let name = "no-recovery-\(UUID().uuidString.prefix(8))"
        let connection = try await connect(name, recovery: .disabled)
        let channel = try await connection.openChannel()
        let queue = uniqueName("norecover")
        try await channel.declareQueue(queue, durable: false, exclusive: true)
        let consumer = try await channel.consume(queue: queue)
        let ended = Task { () -> AMQPError? in
            do { for try await _ in consumer {} } catch { return error as? AMQPError }
            return nil
        }
        #expect(try TestBroker.closeConnections(named: name) == 1)
        let error = try await withDeadline(.seconds(20), "the consumer to end") { await ended.value }
        #expect(error?.code == .connectionClosedByServer)
        #expect(!connection.isConnected)
        await #expect(throws: AMQPError.self) { try await channel.publish(Message("x"), exchange: "", routingKey: queue) }
    }
}

@Suite("Failover between the nodes of a cluster")
struct FailoverTests {
    @Test("a node that takes no connections is skipped, at the start and after a lost connection")
    func skipsADeadNode() async throws {
        let name = "failover-\(UUID().uuidString.prefix(8))"
        var configuration = try ConnectionConfiguration(url: TestBroker.url(vhost: "drehscheibe"))
        let live = ConnectionConfiguration.Endpoint(host: configuration.host, port: configuration.port)
        // Port 1: nothing listens there, a connection is refused at once (a node that is down).
        (configuration.host, configuration.port) = ("127.0.0.1", 1)
        configuration.alternateEndpoints = [live]
        configuration.connectionName = name
        let connection = try await Connection.connect(configuration, logger: Logger(label: "test.\(name)"))
        let events = connection.events()
        let channel = try await connection.openChannel()
        let queue = uniqueName("failover")
        try await channel.declareQueue(queue, durable: false, exclusive: true)
        try await channel.publish(Message("before"), exchange: "", routingKey: queue)

        // The broker closes it; recovery starts with the next node (the dead one) and comes round.
        #expect(try TestBroker.closeConnections(named: name) == 1)
        try await withDeadline(.seconds(60), "recovery") {
            for await event in events { if case .recovered = event { return } }
        }
        try await channel.publish(Message("after"), exchange: "", routingKey: queue)
        #expect(try await channel.get(queue: queue, autoAck: true)?.delivery.body == Array("after".utf8))
        await connection.close()

        // With no node taking connections, connecting fails with the last node's error.
        var dead = configuration
        dead.alternateEndpoints = [.init(host: "127.0.0.1", port: 2)]
        await #expect(throws: AMQPError.self) { try await Connection.connect(dead) }
    }
}
