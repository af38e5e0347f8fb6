import AMQP
import Foundation
import Ops
import TestSupport
import Testing

@Suite("Queue inspection (real broker)")
struct QueueInspectorTests {
    /// The management port of the test node: the AMQP port plus 10000 (deploy/local/broker).
    func managementURL() throws -> URL {
        let port = try #require(URLComponents(string: try TestBroker.url())?.port)
        return URL(string: "http://127.0.0.1:\(port + 10000)")!
    }

    func opsCredentials() throws -> (String, String) {
        let components = try #require(URLComponents(string: try TestBroker.url(user: "drehscheibe-ops")))
        return (components.user!, components.password!)
    }

    @Test func readsDepthsConsumersAndRatesFromTheManagementAPI() async throws {
        let admin = try await connect()
        let queue = try await TestQueue.bound(to: "case.deliver", routingKey: uniqueName("depth"), on: admin)
        defer { Task { await queue.cleanUp(); await admin.close() } }
        for index in 0..<3 { try await queue.channel.publish(Message("m\(index)"), exchange: "", routingKey: queue.name) }

        let (user, password) = try opsCredentials()
        let inspector = ManagementQueueInspector(baseURL: try managementURL(), virtualHost: "drehscheibe", username: user, password: password)
        // The management plugin aggregates its figures every few seconds: wait for them to show.
        let overview = try await withDeadline(.seconds(30), "the management API to count the messages") {
            while true {
                let overview = try await inspector.overview()
                if overview.queues.first(where: { $0.name == queue.name })?.ready == 3 { return overview }
                try await Task.sleep(for: .milliseconds(500))
            }
        }
        #expect(overview.source == "management-api")
        let mine = try #require(overview.queues.first { $0.name == queue.name })
        #expect(mine.type == "quorum")
        #expect(mine.unacknowledged == 0)
        #expect(mine.consumers == 0)
        #expect(mine.publishRate != nil)
        #expect(overview.queues.contains { $0.name == "dead.letters" })
        #expect(overview.queues.contains { $0.name.hasPrefix("router.ingress") })
    }

    @Test func fallsBackToPassiveDeclares() async throws {
        let admin = try await connect()
        let queue = try await TestQueue.bound(to: "case.deliver", routingKey: uniqueName("passive"), on: admin)
        defer { Task { await queue.cleanUp(); await admin.close() } }
        for index in 0..<2 { try await queue.channel.publish(Message("m\(index)"), exchange: "", routingKey: queue.name) }

        let (user, password) = try opsCredentials()
        // Nothing listens on port 1: the management API is "not there".
        let unreachable = ManagementQueueInspector(
            baseURL: URL(string: "http://127.0.0.1:1")!, virtualHost: "drehscheibe", username: user, password: password, timeout: 2)
        let definitions = TestBroker.packageRoot.appendingPathComponent("deploy/rabbitmq/definitions.json")
        let names = try PassiveQueueInspector.queueNames(definitions: definitions, virtualHost: "drehscheibe")
        #expect(names.contains("dead.letters"))
        let passive = PassiveQueueInspector(
            amqp: try amqpConfiguration(as: "drehscheibe-ops"), queues: names + [queue.name, "no.such.queue"], logger: quietLogger("test.passive"))
        let overview = try await FallbackQueueInspector(primary: unreachable, fallback: passive, logger: quietLogger("test.fallback")).overview()
        #expect(overview.source == "passive-declare")
        #expect(overview.note?.contains("not reachable") == true)
        #expect(overview.queues.first { $0.name == queue.name }?.ready == 2)
        #expect(overview.queues.first { $0.name == queue.name }?.unacknowledged == nil)
        #expect(overview.queues.first { $0.name == "no.such.queue" }?.state == "missing")
        #expect(overview.queues.contains { $0.name.hasPrefix("router.ingress") })
    }
}
