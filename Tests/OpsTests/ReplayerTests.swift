import AMQP
import Foundation
import Ops
import Store
import Synchronization
import TestSupport
import Testing

@Suite("Replays through the real broker", .serialized)
struct ReplayerTests {
    /// Dead letters of copies that failed delivery to the test's own agency: a replay to where
    /// they failed goes to `case.ingress`, owed to that agency alone.
    func deadLetters(_ count: Int, agency: String, in store: HubStore) async throws -> [(DeadLetterID, String)] {
        var letters: [(DeadLetterID, String)] = []
        for index in 0..<count {
            let messageID = UUID().uuidString.lowercased()
            let id = try await storeDeadLetter(
                store, routerDeadLetter(messageID: messageID, originalRoutingKey: agency), routingKey: agency,
                receivedAt: Date(timeIntervalSince1970: 1_772_000_000 + Double(index)))
            letters.append((id, messageID))
        }
        return letters
    }

    @Test func replaysToTheInboxAsTheOpsUserWithTheMessageIDKept() async throws {
        try await withSQLiteStore { store in
            let agency = uniqueName("agency")
            let admin = try await connect()
            let inbox = try await TestQueue.replayIntake(on: admin)
            let ops = try await connect(as: "drehscheibe-ops")
            defer { Task { await inbox.cleanUp(); await admin.close(); await ops.close() } }
            let letters = try await deadLetters(3, agency: agency, in: store)

            let replayer = Replayer(store: store, publisher: try await AMQPReplayPublisher(connection: ops), logger: quietLogger("test.replayer"))
            let job = try await store.startReplay(
                ReplayRequest(selection: .filter(.init()), rate: 50, actor: replayerActor, reason: "inbox was full"), runner: replayer.runner)
            let started = ContinuousClock.now
            let done = try await replayer.run(job)
            // 50 per second: three messages are at least two intervals apart.
            #expect(ContinuousClock.now - started >= .milliseconds(40))
            #expect(done.state == .completed)
            #expect(done.counts[.published] == 3)

            let consumer = try await inbox.channel.consume(queue: inbox.name)
            let deliveries = try await consumer.take(3, owedTo: agency)
            #expect(deliveries.map(\.properties.messageID) == letters.map(\.1))
            let first = deliveries[0]
            #expect(first.properties.userID == "drehscheibe-ops")
            #expect(first.properties.headers?["x-drehscheibe-replayed"] == .string("true"))
            #expect(first.properties.headers?["x-drehscheibe-replay-id"] == .string(job.id))
            #expect(first.properties.headers?["x-drehscheibe-sender"] == .string("abh.berlin"))
            #expect(first.properties.headers?["x-drehscheibe-error-code"] == nil)
            #expect(first.exchange == "case.ingress")
            #expect(first.routingKey == consentType)
            #expect(first.body == routerDeadLetter(messageID: letters[0].1, originalRoutingKey: agency).body)
            for (id, _) in letters { #expect(try await store.deadLetter(id)?.state == .replayed) }
        }
    }

    @Test func aCancelledBulkReplayResumesWithoutLosingOrDoubling() async throws {
        try await withSQLiteStore { store in
            let agency = uniqueName("agency")
            let admin = try await connect()
            let inbox = try await TestQueue.replayIntake(on: admin)
            let ops = try await connect(as: "drehscheibe-ops")
            defer { Task { await inbox.cleanUp(); await admin.close(); await ops.close() } }
            let letters = try await deadLetters(10, agency: agency, in: store)
            let publisher = try await AMQPReplayPublisher(connection: ops)

            let first = Replayer(store: store, publisher: publisher, logger: quietLogger("test.replayer"))
            let job = try await store.startReplay(ReplayRequest(selection: .filter(.init()), actor: replayerActor), runner: first.runner)
            // Cancel the replay (as Ctrl-C would) once three messages were confirmed.
            let (progress, reports) = AsyncStream<Replayer.Progress>.makeStream()
            let running = Task { try await first.run(job) { reports.yield($0) } }
            var confirmed = 0
            for await report in progress {
                if case .confirmed = report.result { confirmed += 1 }
                if confirmed == 3 { break }
            }
            running.cancel()
            let paused = try await running.value
            #expect(paused.state == .paused)
            #expect(paused.counts[.published, default: 0] >= 3)
            #expect(paused.remaining == 10 - paused.counts[.published, default: 0])

            let second = Replayer(store: store, publisher: publisher, logger: quietLogger("test.replayer"))
            let resumed = try await store.resumeReplay(job.id, runner: second.runner, by: replayerActor)
            let done = try await second.run(resumed)
            #expect(done.state == .completed)
            #expect(done.counts[.published] == 10)

            let consumer = try await inbox.channel.consume(queue: inbox.name)
            let deliveries = try await consumer.take(10, owedTo: agency)
            // Each message exactly once, in the order they failed.
            #expect(deliveries.map(\.properties.messageID) == letters.map(\.1))
            try await consumer.cancel()
        }
    }

    @Test func aMessageNoQueueTakesFailsAndGoesBack() async throws {
        try await withSQLiteStore { store in
            // A private stand-in for case.ingress to which no queue is bound.
            let admin = try await connect()
            let ingress = uniqueName("ingress")
            let channel = try await admin.openChannel()
            try await channel.declareExchange(ingress, type: .topic, durable: false, autoDelete: false)
            defer { Task { try? await channel.deleteExchange(ingress); await admin.close() } }
            let letters = try await deadLetters(1, agency: uniqueName("nobody"), in: store)
            let replayer = Replayer(store: store, publisher: try await AMQPReplayPublisher(connection: admin), logger: quietLogger("test.replayer"))
            let job = try await store.startReplay(
                ReplayRequest(selection: .ids([letters[0].0]), topology: ReplayTopology(ingressExchange: ingress), actor: replayerActor),
                runner: replayer.runner)
            let done = try await replayer.run(job)
            #expect(done.state == .completed)
            #expect(done.counts[.failed] == 1)
            let letter = try #require(try await store.deadLetter(letters[0].0))
            #expect(letter.state == .new)
            #expect(letter.replays.first?.outcome?.contains("amqp.message-returned") == true)
        }
    }

    @Test func replaysToTheIngressWithTheOriginalRoutingKey() async throws {
        try await withSQLiteStore { store in
            // A private stand-in for case.ingress, so no running router picks the message up.
            let admin = try await connect()
            let ingress = uniqueName("ingress")
            let channel = try await admin.openChannel()
            try await channel.declareExchange(ingress, type: .topic, durable: false, autoDelete: true)
            let queue = try await TestQueue.bound(to: ingress, routingKey: "de.migration.#", on: admin)
            defer { Task { await queue.cleanUp(); await admin.close() } }
            let id = try await storeDeadLetter(
                store, routerDeadLetter(originalExchange: ingress, originalRoutingKey: "de.migration.employment.consent-requested.v1",
                                        code: "invalid", stage: "validate"),
                routingKey: "de.migration.employment.consent-requested.v1")
            let replayer = Replayer(store: store, publisher: try await AMQPReplayPublisher(connection: admin), logger: quietLogger("test.replayer"))
            let job = try await store.startReplay(
                ReplayRequest(selection: .ids([id]), target: .ingress, topology: ReplayTopology(ingressExchange: ingress), actor: replayerActor),
                runner: replayer.runner)
            _ = try await replayer.run(job)
            let delivery = try #require(try await queue.channel.consume(queue: queue.name).take(1).first)
            #expect(delivery.exchange == ingress)
            #expect(delivery.routingKey == "de.migration.employment.consent-requested.v1")
        }
    }
}

let replayerActor = AuditActor(name: "rey", role: "replayer")
