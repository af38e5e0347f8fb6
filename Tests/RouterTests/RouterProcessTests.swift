import AMQP
import CaseModel
import Foundation
@testable import Router
import Synchronization
import Testing
import TestSupport

/// The router binary as a child process, where a process must die or be signalled.
@Suite("Router process: kill -9, SIGTERM, SIGHUP, two instances", .serialized)
struct RouterProcessTests {
    struct Setup {
        let vhost: String
        let store: URL
        let harness: Harness

        struct Harness {
            let vhost: String
            func connect(as user: String) async throws -> Connection {
                try await Connection.connect(url: TestBroker.url(user: user, vhost: vhost))
            }
            func admin() async throws -> Connection { try await Connection.connect(url: TestBroker.url(vhost: vhost)) }
        }
    }

    func setup(_ name: String) throws -> Setup {
        let vhost = try TestBroker.isolatedVirtualHost(name)
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("router-\(vhost).sqlite")
        return Setup(vhost: vhost, store: store, harness: .init(vhost: vhost))
    }

    /// The ledger the router processes share across restarts: an SQLite file per test (WAL;
    /// a killed router leaves it consistent). DREHSCHEIBE_TEST_ROUTER_STORE overrides it
    /// (e.g. a postgres:// URL).
    func routerStore(_ setup: Setup) -> String {
        ProcessInfo.processInfo.environment["DREHSCHEIBE_TEST_ROUTER_STORE"] ?? "sqlite:\(setup.store.path)"
    }

    func startRouter(
        _ setup: Setup, name: String, schemas: URL = schemasDirectory, queues: String? = nil,
        extraArguments: [String] = [], logLevel: String = "notice"
    ) throws -> ChildProcess {
        var arguments = ["router", "--schemas", schemas.path, "--store", routerStore(setup), "--prefetch", "64"]
        if let queues { arguments += ["--queues", queues] }
        return try ChildProcess(
            ChildProcess.drehscheibeBinary, arguments + extraArguments,
            environment: ["DREHSCHEIBE_AMQP_URL": try TestBroker.url(user: "drehscheibe-router", vhost: setup.vhost), "DREHSCHEIBE_LOG_LEVEL": logLevel],
            logName: name)
    }

    /// Publishes visa applications (av.istanbul → bva and aa) over several cases; returns ids per case in publish order.
    func publish(_ count: Int, cases: Int, setup: Setup, tag: String, pause: Duration? = nil) async throws -> [String: [String]] {
        let av = try await setup.harness.connect(as: "av.istanbul")
        let channel = try await av.openChannel()
        var order: [String: [String]] = [:]
        var batch: [OutgoingMessage] = []
        for index in 0..<count {
            let subject = "av.istanbul:\(tag)-\(index % cases)"
            let envelope = try fresh("visa.application-submitted.v1", subject: subject)
            order[subject, default: []].append(envelope["id"]!.stringValue!)
            let (message, _) = inbound(envelope, freshID: false)
            batch.append(OutgoingMessage(exchange: "case.ingress", routingKey: envelope["type"]!.stringValue!, message: Message(body: message.body, properties: message.properties)))
            if batch.count == 100 || index == count - 1 {
                for result in await channel.publish(contentsOf: batch) { try result.get() }
                batch.removeAll()
                if let pause { try await Task.sleep(for: pause) }
            }
        }
        await av.close()
        return order
    }

    /// Reads an inbox until `expected` distinct ids arrived (or the timeout); returns ids in arrival order.
    func drain(_ queue: String, expected: Set<String>, setup: Setup, timeout: Duration = .seconds(180)) async throws -> [String] {
        let connection = try await setup.harness.admin()
        let channel = try await connection.openChannel(publisherConfirms: false)
        try await channel.setPrefetch(500)
        let consumer = try await channel.consume(queue: queue)
        let arrived = Mutex<[String]>([])
        let reader = Task {
            var seen = Set<String>()
            for try await delivery in consumer {
                try delivery.ack()
                let id = delivery.properties.messageID ?? ""
                arrived.withLock { $0.append(id) }
                seen.insert(id)
                if expected.isSubset(of: seen) { break }
            }
        }
        let deadline = ContinuousClock.now + timeout
        while !reader.isCancelled, ContinuousClock.now < deadline {
            if Set(arrived.withLock { $0 }).isSuperset(of: expected) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        reader.cancel()
        try? await consumer.cancel()
        await connection.close()
        return arrived.withLock { $0 }
    }

    @Test("kill -9 at random points while 5,000 messages flow: each delivered exactly once to each recipient, none lost, none twice")
    func killNine() async throws {
        let setup = try setup("kill9")
        let total = 5_000
        // Paced (about 1,000 a second) so that the kills fall into a steady flow.
        let publishing = Task { try await publish(total, cases: 50, setup: setup, tag: "K", pause: .milliseconds(100)) }
        let observer = try await setup.harness.admin()
        let inspect = try await observer.openChannel()
        var kills = 0
        var router = try startRouter(setup, name: "router-kill9")
        for _ in 0..<5 {
            // Kill only once this router instance has demonstrably routed (the signal: the
            // inbox grew), then at a random moment of its work.
            let before = try await inspect.inspectQueue("inbox.bva").messageCount
            let deadline = ContinuousClock.now + .seconds(60)
            while try await inspect.inspectQueue("inbox.bva").messageCount < before + 50, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...300)))
            router.signal(SIGKILL)
            router.wait()
            kills += 1
            router = try startRouter(setup, name: "router-kill9")
        }
        await observer.close()
        let order = try await publishing.value
        let ids = Set(order.values.flatMap { $0 })
        #expect(ids.count == total)
        for inbox in ["inbox.bva", "inbox.aa"] {
            let arrived = try await drain(inbox, expected: ids, setup: setup)
            let distinct = Set(arrived)
            #expect(distinct == ids, "\(inbox): lost \(ids.subtracting(distinct).count)")
            // Copies and acknowledgements are committed together, so a kill never leaves a
            // delivered copy whose input comes again.
            print("kill -9 × \(kills): \(inbox) received \(arrived.count) copies of \(distinct.count) messages")
            #expect(arrived.count == distinct.count, "\(inbox): \(arrived.count - distinct.count) delivered twice")
        }
        // Stopped gracefully, the router has published everything it ever will: a copy left in
        // an inbox now would be a second one.
        router.signal(SIGTERM)
        #expect(await router.wait(timeout: .seconds(30)) == 0, "router log:\n\(router.log.suffix(2000))")
        let connection = try await setup.harness.admin()
        let channel = try await connection.openChannel()
        #expect(try await channel.inspectQueue("dead.letters").messageCount == 0)
        for inbox in ["inbox.bva", "inbox.aa"] {
            #expect(try await channel.inspectQueue(inbox).messageCount == 0, "\(inbox) holds copies delivered twice")
        }
        await connection.close()
        TestBroker.deleteVirtualHost(setup.vhost)
    }

    @Test("two routers: each case's events arrive in order, also when the active one is killed")
    func twoRoutersKeepOrder() async throws {
        let setup = try setup("order")
        let first = try startRouter(setup, name: "router-a")
        let second = try startRouter(setup, name: "router-b")
        let publishing = Task { try await publish(2_000, cases: 40, setup: setup, tag: "O") }
        try await Task.sleep(for: .milliseconds(800))
        first.signal(SIGKILL)
        first.wait()
        let order = try await publishing.value
        let ids = Set(order.values.flatMap { $0 })
        let position = Dictionary(uniqueKeysWithValues: order.values.flatMap { list in list.enumerated().map { ($0.element, $0.offset) } })
        let caseOf = Dictionary(uniqueKeysWithValues: order.flatMap { subject, list in list.map { ($0, subject) } })
        let arrived = try await drain("inbox.bva", expected: ids, setup: setup)
        // First arrival of each id, per case, must follow publish order.
        var seen = Set<String>()
        var last: [String: Int] = [:]
        var outOfOrder = 0
        for id in arrived where seen.insert(id).inserted {
            guard let subject = caseOf[id], let index = position[id] else { continue }
            if let previous = last[subject], index < previous { outOfOrder += 1 }
            last[subject] = index
        }
        #expect(Set(arrived) == ids)
        #expect(outOfOrder == 0)
        second.signal(SIGTERM)
        #expect(await second.wait(timeout: .seconds(30)) == 0, "router log:\n\(second.log.suffix(2000))")
        TestBroker.deleteVirtualHost(setup.vhost)
    }

    @Test("SIGTERM drains in-flight work and exits 0; SIGHUP reloads rules and refuses a broken file")
    func signals() async throws {
        let setup = try setup("signals")
        // A private copy of Schemas/ so the test can break it.
        let schemas = FileManager.default.temporaryDirectory.appendingPathComponent("schemas-\(setup.vhost)")
        try FileManager.default.copyItem(at: schemasDirectory, to: schemas)
        defer { try? FileManager.default.removeItem(at: schemas) }
        let router = try startRouter(setup, name: "router-signals", schemas: schemas)
        let order = try await publish(300, cases: 10, setup: setup, tag: "S")
        let ids = Set(order.values.flatMap { $0 })
        _ = try await drain("inbox.bva", expected: Set(ids.prefix(10)), setup: setup, timeout: .seconds(60))

        // Break the projection rules and reload: refused, the old rules stay, routing goes on.
        try Data("{ not json".utf8).write(to: schemas.appendingPathComponent("rules/projections.json"))
        router.signal(SIGHUP)
        // The reload runs on the router's own signal task: wait for its report, then show
        // that routing goes on with the old rules.
        #expect(await router.waitForLog("routing rules refused"), "router log:\n\(router.log.suffix(2000))")
        let more = try await publish(20, cases: 2, setup: setup, tag: "S2")
        let moreIDs = Set(more.values.flatMap { $0 })
        let arrived = try await drain("inbox.bva", expected: moreIDs, setup: setup, timeout: .seconds(60))
        #expect(moreIDs.isSubset(of: Set(arrived)))

        router.signal(SIGTERM)
        #expect(await router.wait(timeout: .seconds(30)) == 0, "router log:\n\(router.log.suffix(2000))")
        #expect(router.log.contains("router stopped cleanly"))
        TestBroker.deleteVirtualHost(setup.vhost)
    }

    @Test("/metrics counts messages per outcome, stage and type with a latency histogram; even trace logs hold ids, not personal data")
    func metricsAndLogs() async throws {
        let setup = try setup("metrics")
        let port = try freeLocalPort()
        let router = try startRouter(setup, name: "router-metrics", extraArguments: ["--metrics-port", "\(port)"], logLevel: "trace")
        let order = try await publish(40, cases: 4, setup: setup, tag: "M")
        let ids = Set(order.values.flatMap { $0 })

        // One malformed message from the same sender: counted as a dead letter at the decode stage.
        let av = try await setup.harness.connect(as: "av.istanbul")
        let badID = UUID().uuidString.lowercased()
        let properties = BasicProperties(contentType: CaseEvent.contentType, messageID: badID, type: "de.migration.visa.application-submitted.v1", userID: "av.istanbul")
        for result in try await av.openChannel().publish(contentsOf: [
            OutgoingMessage(exchange: "case.ingress", routingKey: "de.migration.visa.application-submitted.v1", message: Message(body: Array("{\"id\": ".utf8), properties: properties)),
        ]) { try result.get() }
        await av.close()

        let arrived = try await drain("inbox.bva", expected: ids, setup: setup, timeout: .seconds(60))
        #expect(ids.isSubset(of: Set(arrived)))
        let dead = try await drain("dead.letters", expected: [badID], setup: setup, timeout: .seconds(60))
        #expect(dead.contains(badID))

        let reply = try await LocalHTTP.send(port: port, method: "GET", path: "/metrics")
        #expect(reply.status == 200)
        let text = String(decoding: reply.body, as: UTF8.self)
        func sum(_ name: String, _ labels: [String]) -> Double {
            text.split(separator: "\n").filter { line in
                line.hasPrefix(name + "{") && labels.allSatisfy { line.contains($0) }
            }.compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
        }
        #expect(sum("drehscheibe_router_messages_total", ["type=\"de.migration.visa.application-submitted.v1\"", "outcome=\"delivered\""]) == Double(ids.count), "\(text)")
        #expect(sum("drehscheibe_router_messages_total", ["outcome=\"dead-lettered\"", "stage=\"decode\""]) == 1, "\(text)")
        #expect(sum("drehscheibe_router_latency_seconds_count", []) >= Double(ids.count + 1), "\(text)")
        #expect(text.contains("drehscheibe_router_latency_seconds_bucket"))
        // The latency legs: every message waited for a transaction, every transaction was timed,
        // in the router's own fine buckets (4 ms is not among swift-prometheus' defaults).
        let queued = HistogramSnapshot(prometheusText: text, name: RouterMetrics.queuedName)
        #expect(queued.count >= Double(ids.count + 1), "\(text)")
        #expect(queued.buckets.contains { $0.upperBound == 0.004 }, "\(text)")
        let transactions = HistogramSnapshot(prometheusText: text, name: RouterMetrics.transactionName)
        #expect(transactions.count >= 1 && transactions.count <= queued.count, "\(text)")
        #expect(HistogramSnapshot(prometheusText: text, name: RouterMetrics.commitName).count >= transactions.count, "\(text)")

        router.signal(SIGTERM)
        #expect(await router.wait(timeout: .seconds(30)) == 0, "router log:\n\(router.log.suffix(2000))")
        // The log names messages by id, type and case, never by the people in them.
        let log = router.log
        #expect(log.contains(badID), "the dead letter is logged by its message id")
        let example = try fresh("visa.application-submitted.v1")
        for (field, value) in personalValues(in: .object(example)) {
            #expect(!log.contains(value), "the router log holds \(field)")
        }
        TestBroker.deleteVirtualHost(setup.vhost)
    }

    /// Names, birth dates and document numbers anywhere in an envelope's data.
    func personalValues(in value: JSONValue, path: String = "") -> [(String, String)] {
        switch value {
        case .object(let object):
            return object.flatMap { member -> [(String, String)] in
                let (key, child) = (member.key, member.value)
                if ["familyName", "givenNames", "birthDate", "birthName", "documentNumber", "placeOfBirth"].contains(key), let text = child.stringValue, text.count > 3 {
                    return [("\(path)/\(key)", text)]
                }
                return personalValues(in: child, path: "\(path)/\(key)")
            }
        case .array(let items):
            return items.enumerated().flatMap { personalValues(in: $1, path: "\(path)/\($0)") }
        default:
            return []
        }
    }
}
