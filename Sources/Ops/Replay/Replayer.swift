import AMQP
import Foundation
import Logging
import Store

/// Publishes a replay, item by item, oldest first: each item is marked `publishing` in the
/// store before its publish and `published` (or `failed`) after the broker's confirm. So a
/// cancelled replay stops after the message in flight and resumes with the next one; a
/// crashed one resumes with the item it was publishing (published again under the same
/// message id, which the router's dedupe and the recipients recognise).
public struct Replayer: Sendable {
    /// After each item.
    public struct Progress: Sendable, Hashable {
        public var jobID: String
        public var deadLetterID: DeadLetterID
        public var result: PublishResult
        public var published: Int
        public var failed: Int
    }

    let store: HubStore
    let publisher: any ReplayPublisher
    /// Who holds the replays this replayer runs (one per process, for the store's claim).
    public let runner: String
    let logger: Logger

    public init(store: HubStore, publisher: any ReplayPublisher, runner: String = "replayer-\(UUID().uuidString.lowercased())", logger: Logger) {
        self.store = store
        self.publisher = publisher
        self.runner = runner
        self.logger = logger
    }

    /// Runs a replay this runner holds until every item is done (the replay completes), the
    /// calling task is cancelled (it pauses after the item in flight), or the broker connection
    /// breaks (it pauses and throws `.unavailable`).
    public func run(_ job: ReplayJob, progress: @escaping @Sendable (Progress) -> Void = { _ in }) async throws -> ReplayJob {
        let stop = StopSignal()
        // Not a child task: cancelling the caller must not cut a publish or a store write short.
        let work = Task { try await loop(job, stop: stop, progress: progress) }
        return try await withTaskCancellationHandler {
            try await work.value
        } onCancel: {
            stop.stop()
        }
    }

    private func loop(_ job: ReplayJob, stop: StopSignal, progress: @Sendable (Progress) -> Void) async throws -> ReplayJob {
        var limiter = RateLimiter(rate: job.rate)
        var published = 0
        var failed = 0
        logger.info("replay running", metadata: ["replay.id": "\(job.id)", "replay.remaining": "\(job.remaining)"])
        while true {
            let items = try await store.remainingReplayItems(job.id, limit: 100)
            guard !items.isEmpty else {
                let done = try await store.completeReplay(job.id, runner: runner)
                logger.info("replay completed", metadata: ["replay.id": "\(job.id)", "replay.published": "\(published)", "replay.failed": "\(failed)"])
                return done
            }
            for item in items {
                if stop.isStopped { return try await pause(job, published: published) }
                if let slot = limiter.reserve(), await !stop.sleep(until: slot) { return try await pause(job, published: published) }
                let payload = try await store.beginReplayPublish(job.id, item.deadLetterID, runner: runner)
                let result = await publisher.publish(ReplayMessage.make(payload, brokerUser: publisher.brokerUser), to: payload.route)
                switch result {
                case .confirmed:
                    try await store.finishReplayPublish(payload, runner: runner, outcome: .published)
                    published += 1
                case .rejected(let reason):
                    try await store.finishReplayPublish(payload, runner: runner, outcome: .failed(reason))
                    failed += 1
                    logger.warning("replayed message refused", metadata: [
                        "replay.id": "\(job.id)", "dead_letter.id": "\(item.deadLetterID)", "amqp.error": "\(reason)",
                    ])
                case .interrupted(let reason):
                    // The item stays `publishing`: whether it arrived is unknown, so resuming sends it again.
                    _ = try await pause(job, published: published)
                    throw OpsError(.unavailable, "replay \(job.id) paused: the broker connection broke (\(reason)); resume it")
                }
                progress(Progress(jobID: job.id, deadLetterID: item.deadLetterID, result: result, published: published, failed: failed))
            }
        }
    }

    private func pause(_ job: ReplayJob, published: Int) async throws -> ReplayJob {
        let paused = try await store.pauseReplay(job.id, runner: runner)
        logger.info("replay paused", metadata: ["replay.id": "\(job.id)", "replay.published": "\(published)", "replay.remaining": "\(paused.remaining)"])
        return paused
    }
}
