import AMQP
import CaseModel
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Store

/// Keeps the statutory periods (Fristen) the hub carries, beside the router in its process.
///
/// - Records: reads the router's ``CaseModel/DeadlineNotice``s from the deadline queue and writes
///   them to the store (``Store/HubStore/recordDeadlines(_:now:)``), acknowledging each once it
///   is committed. A notice is believed only from the router's broker user (RabbitMQ checks
///   `user_id` against the login); anything else is rejected into the dead letters.
/// - Enforces: every ``DeadlineServiceConfiguration/checkInterval`` it claims the periods that
///   ended at least ``DeadlineServiceConfiguration/grace`` ago without an answer, publishes each
///   one's deemed outcome (``DeemedOutcome``) to the router's ingress with a publisher confirm,
///   and marks it deemed (audited). Several instances may run: a claim is atomic, and a claim
///   whose instance died is taken over after the lease; the outcome's message id derives from
///   the deadline, so one published twice (a crash between publish and mark) is delivered once.
///
/// Why not inside the ledger: the routing ledger is written after the broker commit and a
/// `kill -9` may lose its last records; the notice is part of the commit itself.
public struct DeadlineService: Service {
    let configuration: RouterConfiguration
    let store: HubStore
    let rules: RulesHolder
    let clock: DeadlineClock
    let claimant: String
    let logger: Logger
    let opened: Counter
    let answered: Counter
    let deemed: Counter

    public init(configuration: RouterConfiguration, store: HubStore, rules: RulesHolder, clock: DeadlineClock? = nil, logger: Logger) {
        self.configuration = configuration
        self.store = store
        self.rules = rules
        let file = configuration.deadlines.clockOffsetFile
        self.clock = clock ?? (file.isEmpty ? .system : .offset(fromFile: file))
        self.claimant = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8).lowercased())"
        self.logger = logger
        opened = Counter(label: "drehscheibe_deadlines_opened_total")
        answered = Counter(label: "drehscheibe_deadlines_answered_total")
        deemed = Counter(label: "drehscheibe_deadlines_deemed_total")
    }

    public func run() async throws {
        var amqp = configuration.connection
        amqp.connectionName = "\(amqp.connectionName ?? "drehscheibe router") deadlines"
        let connection = try await Connection.connect(amqp, logger: logger)
        if !configuration.deadlines.clockOffsetFile.isEmpty {
            logger.warning("the deadline clock may run ahead of the system clock (demonstration setting)", metadata: [
                "deadline.clock_offset_file": "\(configuration.deadlines.clockOffsetFile)",
            ])
        }
        logger.notice("deadline service started", metadata: ["amqp.queue": "\(configuration.deadlines.queue)", "deadline.claimant": "\(claimant)"])
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await recordNotices(connection) }
                group.addTask { try await enforce(connection) }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
    }

    // MARK: - Recording

    /// The notices consumed and not yet recorded, and whether the consumer ended.
    private struct Arrived: Sendable {
        var deliveries: [Delivery] = []
        var ended = false
        /// Why the consumer ended, when not by this service's own cancel.
        var failure: AMQPError?
    }

    /// Records what arrived since the last store write in one transaction, then acknowledges it
    /// (a store write per notice cost the router's own ledger its disk at a few thousand
    /// requests a second).
    func recordNotices(_ connection: Connection) async throws {
        let channel = try await connection.openChannel(publisherConfirms: false)
        try await channel.setPrefetch(512)
        let arrived = Handoff(Arrived())
        let subscription = try await channel.consume(
            queue: configuration.deadlines.queue,
            onDelivery: { delivery in arrived.update { $0.deliveries.append(delivery) } },
            onEnd: { error in
                arrived.update { state in
                    state.ended = true
                    state.failure = error.map { $0 as? AMQPError ?? AMQPError(.connectionLost, context: "the deadline consumer ended: \($0)") }
                }
            })
        try await withGracefulShutdownHandler {
            while true {
                let (batch, ended) = await arrived.next { state -> ([Delivery], Bool)? in
                    guard !state.deliveries.isEmpty || state.ended else { return nil }
                    defer { state.deliveries.removeAll(keepingCapacity: true) }
                    return (state.deliveries, state.ended)
                }
                if !batch.isEmpty { try await record(batch) }
                if ended {
                    if let failure = arrived.inspect({ $0.failure }) { throw failure }
                    return
                }
            }
        } onGracefulShutdown: {
            // The notice being recorded is finished and acknowledged; the rest goes back to the queue.
            Task { try? await subscription.cancel() }
        }
    }

    private func record(_ batch: [Delivery]) async throws {
        var notices: [DeadlineNotice] = []
        var accepted: [Delivery] = []
        for delivery in batch {
            guard delivery.properties.userID == configuration.pipeline.brokerUser, let notice = DeadlineNotice(bytes: delivery.body) else {
                logger.error("a message on the deadline queue is not the router's notice; rejected to the dead letters", metadata: [
                    "amqp.user_id": "\(delivery.properties.userID.map { String($0.prefix(64)) } ?? "-")",
                    "amqp.message_id": "\(delivery.properties.messageID.map { String($0.prefix(200)) } ?? "-")",
                ])
                // Settled here; acknowledging it again below would close the channel.
                try? delivery.reject(requeue: false)
                continue
            }
            notices.append(notice)
            accepted.append(delivery)
        }
        guard !accepted.isEmpty else { return }
        let recording = try await recordRetrying(DeadlineNotice(events: notices.flatMap(\.events)))
        do {
            for delivery in accepted { try delivery.ack() }
        } catch let error as AMQPError where error.code == .staleDelivery {
            // Redelivered after the reconnect; recording them again changes nothing.
        }
        opened.increment(by: recording.opened)
        answered.increment(by: recording.answered)
        deemed.increment(by: recording.deemed)
        for event in notices.flatMap(\.events) {
            switch event {
            case .opened(let opening):
                logger.debug("deadline opened", metadata: [
                    "deadline.id": "\(opening.id)", "case.id": "\(opening.caseID)", "deadline.actor": "\(opening.actor)",
                    "deadline.due": "\(opening.dueDate)",
                ])
                if opening.claimedDueDisagrees {
                    logger.warning("the sender's dueat differs from the hub's computation; the hub's counts", metadata: [
                        "deadline.id": "\(opening.id)", "case.id": "\(opening.caseID)", "deadline.due": "\(opening.dueDate)",
                    ])
                }
            case .answered(let answer):
                logger.debug("deadline answer recorded", metadata: [
                    "case.id": "\(answer.caseID)", "message.id": "\(answer.messageID)", "message.sender": "\(answer.sender)",
                ])
            case .withdrawn(let withdrawal):
                logger.info("request withdrawn; its periods end", metadata: [
                    "case.id": "\(withdrawal.caseID)", "message.id": "\(withdrawal.messageID)", "message.sender": "\(withdrawal.sender)",
                ])
            case .deemed:
                break
            }
        }
    }

    private func recordRetrying(_ notice: DeadlineNotice) async throws -> HubStore.DeadlineRecording {
        var delay = Duration.milliseconds(200)
        while true {
            do {
                return try await store.recordDeadlines(notice.events, now: Date())
            } catch {
                logger.warning("recording deadlines failed; retrying", metadata: ["store.error": "\(error)"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(10))
            }
        }
    }

    // MARK: - Enforcing

    func enforce(_ connection: Connection) async throws {
        let channel = try await connection.openChannel(publisherConfirms: true)
        try await waitForNoticeBacklog(on: connection)
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                while try await enforceOnce(on: channel) > 0, !Task.isShuttingDownGracefully {}
            } catch is CancellationError {
                return
            } catch {
                logger.warning("looking for ended deadlines failed; trying again", metadata: ["store.error": "\(error)"])
            }
            try? await Task.sleep(for: configuration.deadlines.checkInterval)
        }
    }

    /// Waits until the notices that were waiting at start are recorded: among them may be the
    /// delivery of an outcome whose service died before marking it, which must not be published
    /// again when its claim's lease runs out. Ready messages are zero once this service's
    /// consumer holds or has recorded them; what it holds it records within milliseconds, far
    /// inside the lease (``DeadlineServiceConfiguration/claimLease``, minutes), which is what
    /// guarantees it.
    private func waitForNoticeBacklog(on connection: Connection) async throws {
        let inspect = try await connection.openChannel(publisherConfirms: false)
        defer { Task { try? await inspect.close() } }
        while !Task.isCancelled {
            let state = try await inspect.inspectQueue(configuration.deadlines.queue)
            if state.messageCount == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Claims the ended deadlines of one round and publishes their outcomes; returns how many
    /// were claimed.
    func enforceOnce(on channel: Channel) async throws -> Int {
        let now = clock.now()
        let settings = configuration.deadlines
        let claimed = try await store.claimEndedDeadlines(
            endedBy: now.addingTimeInterval(-settings.grace.seconds), staleBefore: now.addingTimeInterval(-settings.claimLease.seconds),
            claimant: claimant, now: now)
        let pipeline = rules.pipeline
        let hub = HubEvents(
            catalogue: pipeline.rules.catalogue, routerUser: configuration.pipeline.brokerUser, routerVersion: configuration.pipeline.routerVersion)
        for deadline in claimed {
            switch DeemedOutcome.message(for: deadline, rules: pipeline.rules.deadlines, hub: hub, now: Date()) {
            case .failure(let refusal):
                // Left claimed: an operator must look (the lease hands it to the next round).
                logger.error("a deemed outcome cannot be built", metadata: [
                    "deadline.id": "\(deadline.id)", "case.id": "\(deadline.caseID)", "deadline.error": "\(refusal)",
                ])
            case .success(let message):
                do {
                    try await channel.publish(
                        message, exchange: settings.ingressExchange, routingKey: message.properties.type ?? "", mandatory: true)
                } catch {
                    try await store.releaseClaim(deadline, claimant: claimant, now: now)
                    throw error
                }
                if try await store.markDeemed(deadline, claimant: claimant, messageID: deadline.deemedOutcomeMessageID, at: now) {
                    deemed.increment()
                    logger.notice("period ended without an answer: deemed outcome published", metadata: [
                        "deadline.id": "\(deadline.id)", "case.id": "\(deadline.caseID)", "deadline.rule": "\(deadline.rule)",
                        "deadline.actor": "\(deadline.actor)", "message.id": "\(deadline.deemedOutcomeMessageID)",
                    ])
                }
            }
        }
        return claimed.count
    }
}
