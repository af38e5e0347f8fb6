import AMQP
import CaseModel
import Foundation
import Logging
import Synchronization

/// Steady case traffic for the chaos suite and its ledger: missions publish visa applications
/// (a known share of them invalid) the way an adapter does, and the agencies' inboxes are read
/// the way adapters read them. A publish that was not confirmed is sent again with the same id
/// (the adapter's spool), so "sent" counts each id once; the hub must deliver each valid one
/// exactly once to each recipient and dead-letter each invalid one.
final class ChaosLedger: Sendable {
    struct Sent: Sendable {
        var valid: Bool
        var firstAttempt: ContinuousClock.Instant
        var phase: Int
    }

    struct Copies: Sendable {
        /// Every delivery of the copy, redeliveries included: a copy counts as delivered once
        /// the reader saw it at all (a delivery in the client's buffer when the connection
        /// broke comes again marked redelivered, though nobody read it the first time).
        var deliveries = 0
        /// Deliveries the broker made for the first time: two of them are two copies the hub
        /// published (a redelivery after a lost consumer connection is not a duplicate; an
        /// adapter's deduplication absorbs it).
        var fresh = 0
        var last: ContinuousClock.Instant
    }

    private struct State {
        var sent: [String: Sent] = [:]
        var attempts = 0
        var copies: [String: [String: Copies]] = [:]  // message id → recipient → copies
        var phase = 0
    }

    private let state = Mutex(State())
    /// The inboxes every valid message reaches (the catalogue's routes of its type).
    let recipients: [String]

    init(recipients: [String]) { self.recipients = recipients }

    var phase: Int {
        get { state.withLock { $0.phase } }
        set { state.withLock { $0.phase = newValue } }
    }

    func attempt(_ id: String, valid: Bool) {
        state.withLock { state in
            state.attempts += 1
            if state.sent[id] == nil { state.sent[id] = Sent(valid: valid, firstAttempt: .now, phase: state.phase) }
        }
    }

    func received(_ id: String, by recipient: String, redelivered: Bool) {
        state.withLock { state in
            var copies = state.copies[id, default: [:]][recipient] ?? Copies(last: .now)
            copies.deliveries += 1
            if !redelivered { copies.fresh += 1 }
            copies.last = .now
            state.copies[id, default: [:]][recipient] = copies
        }
    }

    /// Valid ids sent, and how many of their copies are still missing.
    var missingCopies: Int {
        state.withLock { state in
            state.sent.filter(\.value.valid).reduce(0) { total, entry in
                total + recipients.filter { (state.copies[entry.key]?[$0]?.deliveries ?? 0) == 0 }.count
            }
        }
    }

    var invalidIDs: Set<String> { state.withLock { Set($0.sent.filter { !$0.value.valid }.keys) } }

    /// The figures of one phase (nil: all phases).
    struct Figures: Sendable {
        var sent = 0, invalid = 0, deliveredCopies = 0, lostCopies = 0, duplicates = 0
        var maxDelay: Duration = .zero
        var delays: [Duration] = []

        var p50: Duration { delays.isEmpty ? .zero : delays.sorted()[delays.count / 2] }
    }

    func figures(phase: Int?) -> Figures {
        state.withLock { state in
            var figures = Figures()
            for (id, sent) in state.sent where phase == nil || sent.phase == phase {
                figures.sent += 1
                guard sent.valid else {
                    figures.invalid += 1
                    continue
                }
                var last: ContinuousClock.Instant?
                for recipient in recipients {
                    guard let copies = state.copies[id]?[recipient], copies.deliveries > 0 else {
                        figures.lostCopies += 1
                        continue
                    }
                    figures.deliveredCopies += 1
                    figures.duplicates += max(0, copies.fresh - 1)
                    last = max(last ?? copies.last, copies.last)
                }
                if let last {
                    let delay = sent.firstAttempt.duration(to: last)
                    figures.delays.append(delay)
                    figures.maxDelay = max(figures.maxDelay, delay)
                }
            }
            return figures
        }
    }

    var publishAttempts: Int { state.withLock { $0.attempts } }
}

/// One mission publishing at a fixed rate until stopped; unconfirmed publishes are retried.
struct ChaosPublisher: Sendable {
    let agency: String
    let url: String
    let schemas: URL
    let rate: Double
    let invalidShare: Double
    let seed: UInt64

    func run(ledger: ChaosLedger, until stop: @escaping @Sendable () -> Bool) async throws {
        let messages = try NeighbourMessages(agency: agency, schemas: schemas)
        var configuration = try ConnectionConfiguration(url: url)
        configuration.connectionName = "chaos \(agency)"
        configuration.blockedPublishTimeout = nil
        let connection = try await Connection.connect(configuration, logger: Logger(label: "chaos.\(agency)"))
        defer { Task { await connection.close() } }
        var channel = try await connection.openChannel()
        var random = SeededRandom(seed: seed)
        let interval = Duration.seconds(1 / rate)
        var next = ContinuousClock.now
        while !stop() {
            next = next.advanced(by: interval)
            let valid = Double(random.next() % 10_000) / 10_000 >= invalidShare
            let message = messages.message(valid ? .valid : .invalid)
            let id = message.properties.messageID ?? ""
            while true {
                ledger.attempt(id, valid: valid)
                do {
                    try await channel.publish(message, exchange: "case.ingress", routingKey: messages.type)
                    break
                } catch {
                    // Not confirmed: the spool would send it again, with the same id. A channel the
                    // broker closed is replaced; after a lost connection recovery re-opens it.
                    try await Task.sleep(for: .milliseconds(250))
                    if let error = error as? AMQPError, [.channelClosed, .channelClosedByServer].contains(error.code),
                       let reopened = try? await connection.openChannel()
                    {
                        channel = reopened
                    }
                }
            }
            let now = ContinuousClock.now
            if next > now { try await Task.sleep(until: next) } else { next = now }
        }
    }
}

/// Reads the agencies' inboxes into the ledger (as their adapters would) until stopped.
struct ChaosReader: Sendable {
    let url: String
    let inboxes: [String]

    func run(ledger: ChaosLedger, until stop: @escaping @Sendable () -> Bool) async throws {
        var configuration = try ConnectionConfiguration(url: url)
        configuration.connectionName = "chaos reader"
        let connection = try await Connection.connect(configuration, logger: Logger(label: "chaos.reader"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for inbox in inboxes {
                let recipient = String(inbox.dropFirst("inbox.".count))
                group.addTask {
                    let channel = try await connection.openChannel(publisherConfirms: false)
                    try await channel.setPrefetch(500)
                    for try await delivery in try await channel.consume(queue: inbox) {
                        if let id = delivery.properties.messageID { ledger.received(id, by: recipient, redelivered: delivery.redelivered) }
                        try? delivery.ack()
                    }
                }
            }
            group.addTask {
                while !stop() { try await Task.sleep(for: .milliseconds(200)) }
                await connection.close()
            }
            try await group.next()
            group.cancelAll()
        }
    }
}

/// SplitMix64: the traffic's choices repeat for a seed.
struct SeededRandom: Sendable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
