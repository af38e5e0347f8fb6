import CaseModel
import Foundation
import Store
import Testing

@Suite("Replay bookkeeping")
struct ReplayStoreTests {
    /// Publishes every remaining item the way the replayer does, up to `limit` items.
    func publish(_ store: HubStore, _ job: ReplayJob, runner: String, limit: Int = .max) async throws -> [ReplayPayload] {
        var published: [ReplayPayload] = []
        for item in try await store.remainingReplayItems(job.id) where published.count < limit {
            let payload = try await store.beginReplayPublish(job.id, item.deadLetterID, runner: runner)
            try await store.finishReplayPublish(payload, runner: runner, outcome: .published)
            published.append(payload)
        }
        return published
    }

    @Test(arguments: Backend.allCases)
    func replaysOneAndRecordsIt(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let letter = try makeDeadLetter()
            let (id, _) = try await store.storeDeadLetter(letter)
            let job = try await store.startReplay(ReplayRequest(selection: .ids([id]), actor: operatorAlice, reason: "schema fixed"), runner: "r1")
            #expect(job.state == .running)
            #expect(job.counts[.pending] == 1)
            #expect(try await store.deadLetter(id)?.state == .replaying)

            let payload = try await store.beginReplayPublish(job.id, id, runner: "r1")
            #expect(payload.body == letter.body)
            #expect(payload.properties == letter.properties)
            #expect(payload.route == ReplayRoute(exchange: "case.ingress", routingKey: "de.migration.employment.consent-requested.v1"))
            #expect(payload.attempt == 1)
            try await store.finishReplayPublish(payload, runner: "r1", outcome: .published)
            let done = try await store.completeReplay(job.id, runner: "r1")
            #expect(done.state == .completed)
            #expect(done.counts[.published] == 1)

            let replayed = try #require(try await store.deadLetter(id))
            #expect(replayed.state == .replayed)
            #expect(replayed.replayCount == 1)
            #expect(replayed.lastReplayID == job.id)
            #expect(replayed.replays.map(\.state) == [.published])
            let actions = try await store.auditRecords().map(\.action)
            #expect(actions == ["dead-letter.stored", "replay.started", "dead-letter.replayed", "replay.completed"])
            // A replayed letter cannot be replayed again.
            await #expect(throws: StoreError.self) {
                try await store.startReplay(ReplayRequest(selection: .ids([id]), actor: operatorAlice), runner: "r2")
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func filteredReplaySkipsWhatItMustNotTake(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let a = try await store.storeDeadLetter(try makeDeadLetter(code: "invalid")).id
            let b = try await store.storeDeadLetter(try makeDeadLetter(code: "invalid")).id
            let discarded = try await store.storeDeadLetter(try makeDeadLetter(code: "invalid")).id
            _ = try await store.discard(discarded, reason: "junk", by: operatorAlice)
            let badEdit = try await store.storeDeadLetter(try makeDeadLetter(code: "invalid")).id
            _ = try await store.edit(badEdit, DeadLetterChange(
                body: [], patch: "[]", diff: "[]", paths: [], revalidation: .init(status: .invalid, validator: "t"), baseRevision: 0), by: operatorAlice)
            let delivery = try await store.storeDeadLetter(
                try makeDeadLetter(code: "invalid", originalExchange: "case.deliver", originalRoutingKey: "bka")).id
            _ = try await store.storeDeadLetter(try makeDeadLetter(code: "unroutable"))

            let request = ReplayRequest(selection: .filter(.init(errorCode: "invalid")), target: .ingress, actor: operatorAlice)
            let plan = try await store.planReplay(request)
            #expect(plan.entries.map(\.letter.id) == [a, b])
            // The discarded one is not even a candidate; the invalid edit and the delivered copy are skipped with a reason.
            #expect(Set(plan.skipped.map(\.id)) == [badEdit, delivery])
            // Planning changes nothing.
            #expect(try await store.deadLetter(a)?.state == .new)

            let original = try await store.planReplay(ReplayRequest(selection: .filter(.init(errorCode: "invalid")), actor: operatorAlice))
            // A copy for bka goes through the router again, owed to bka alone.
            #expect(
                original.entries.first { $0.letter.id == delivery }?.route
                    == ReplayRoute(exchange: "case.ingress", routingKey: "de.migration.employment.consent-requested.v1", recipient: "bka"))
            let inbox = try await store.planReplay(
                ReplayRequest(selection: .filter(.init(errorCode: "invalid")), target: .inbox("bka"), actor: operatorAlice))
            #expect(inbox.entries.map(\.letter.id) == [delivery])

            // By id, one letter that cannot go makes the whole request fail, and nothing is reserved.
            await #expect(throws: StoreError.self) {
                try await store.startReplay(ReplayRequest(selection: .ids([a, badEdit]), actor: operatorAlice), runner: "r")
            }
            #expect(try await store.deadLetter(a)?.state == .new)
        }
    }

    @Test(arguments: Backend.allCases)
    func aPausedReplayResumesWithoutLosingOrDoubling(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            var ids: [DeadLetterID] = []
            for index in 0..<6 {
                ids.append(try await store.storeDeadLetter(
                    try makeDeadLetter(receivedAt: Date(timeIntervalSince1970: 1_772_000_000 + Double(index)))).id)
            }
            let job = try await store.startReplay(ReplayRequest(selection: .filter(.init()), actor: operatorAlice), runner: "first")
            #expect(job.total == 6)
            let firstBatch = try await publish(store, job, runner: "first", limit: 2)
            let paused = try await store.pauseReplay(job.id, runner: "first")
            #expect(paused.state == .paused)
            #expect(paused.remaining == 4)
            // The paused runner may not go on.
            await #expect(throws: StoreError.self) { try await store.beginReplayPublish(job.id, ids[2], runner: "first") }

            let resumed = try await store.resumeReplay(job.id, runner: "second", by: operatorAlice)
            #expect(resumed.state == .running)
            let secondBatch = try await publish(store, resumed, runner: "second")
            _ = try await store.completeReplay(job.id, runner: "second")

            let published = (firstBatch + secondBatch).map(\.deadLetterID)
            // Every letter exactly once, oldest first.
            #expect(published == ids)
            for id in ids { #expect(try await store.deadLetter(id)?.replayCount == 1) }
        }
    }

    @Test(arguments: Backend.allCases)
    func aCrashedReplayRepublishesTheUncertainItem(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let a = try await store.storeDeadLetter(try makeDeadLetter(receivedAt: Date(timeIntervalSince1970: 1))).id
            let b = try await store.storeDeadLetter(try makeDeadLetter(receivedAt: Date(timeIntervalSince1970: 2))).id
            let job = try await store.startReplay(ReplayRequest(selection: .ids([a, b]), actor: operatorAlice), runner: "crashing")
            // The runner marks `a` as publishing and dies before it learns whether the broker took it.
            _ = try await store.beginReplayPublish(job.id, a, runner: "crashing")

            // A live runner is not displaced…
            await #expect(throws: StoreError.self) { try await store.resumeReplay(job.id, runner: "rescuer", by: operatorAlice) }
            // …but one that fell silent is.
            let resumed = try await store.resumeReplay(job.id, runner: "rescuer", by: operatorAlice, staleAfter: .zero)
            let remaining = try await store.remainingReplayItems(resumed.id)
            #expect(remaining.map(\.deadLetterID) == [a, b])
            #expect(remaining.map(\.state) == [.publishing, .pending])
            let payload = try await store.beginReplayPublish(job.id, a, runner: "rescuer")
            #expect(payload.attempt == 2)
            // The crashed runner's late report is refused: the rescuer holds the job now.
            await #expect(throws: StoreError.self) { try await store.finishReplayPublish(payload, runner: "crashing", outcome: .published) }
        }
    }

    @Test(arguments: Backend.allCases)
    func failuresAndAbandonmentGiveLettersBack(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let a = try await store.storeDeadLetter(try makeDeadLetter(receivedAt: Date(timeIntervalSince1970: 1))).id
            let b = try await store.storeDeadLetter(try makeDeadLetter(receivedAt: Date(timeIntervalSince1970: 2))).id
            _ = try await store.edit(b, DeadLetterChange(
                body: Array("{}".utf8), patch: "[]", diff: "[]", paths: [], revalidation: .init(status: .valid, validator: "t"),
                baseRevision: 0), by: operatorAlice)
            let job = try await store.startReplay(ReplayRequest(selection: .ids([a, b]), actor: operatorAlice), runner: "r")
            let payload = try await store.beginReplayPublish(job.id, a, runner: "r")
            try await store.finishReplayPublish(payload, runner: "r", outcome: .failed("amqp.publish-nacked"))
            #expect(try await store.deadLetter(a)?.state == .new)
            #expect(try await store.deadLetter(a)?.replays.first?.outcome == "amqp.publish-nacked")
            _ = try await store.pauseReplay(job.id, runner: "r")
            let abandoned = try await store.abandonReplay(job.id, by: operatorAlice, reason: "broker maintenance")
            #expect(abandoned.state == .abandoned)
            #expect(abandoned.counts[.abandoned] == 1)
            #expect(abandoned.counts[.failed] == 1)
            // The edited one goes back to edited, with its edit.
            let back = try #require(try await store.deadLetter(b))
            #expect(back.state == .edited)
            #expect(back.isReplayable)
            await #expect(throws: StoreError.self) { try await store.resumeReplay(job.id, runner: "r2", by: operatorAlice) }
        }
    }
}

extension ReplayStoreTests {
    @Test("a dead letter the hub did not write is stored, marked, and cannot be replayed as anybody", arguments: Backend.allCases)
    func notFromTheHubIsNotReplayable(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            var letter = try makeDeadLetter(code: "invalid")
            letter = try NewDeadLetter(
                body: letter.body, properties: { var p = letter.properties; p.userID = "drehscheibe-admin"; return p }(),
                exchange: letter.exchange, routingKey: letter.routingKey)
            let (id, _) = try await store.storeDeadLetter(letter)
            let stored = try #require(try await store.deadLetter(id))
            #expect(stored.origin == .unknown)
            #expect(stored.sender == nil)
            #expect(stored.failure.errorCode == "not-from-hub")
            #expect(!stored.isReplayable)
            let plan = try await store.planReplay(ReplayRequest(selection: .filter(.init()), actor: operatorAlice))
            #expect(plan.entries.isEmpty)
            #expect(plan.skipped.map(\.id) == [id])
            await #expect(throws: StoreError.self) {
                _ = try await store.startReplay(ReplayRequest(selection: .ids([id]), actor: operatorAlice), runner: "r")
            }
        }
    }
}
