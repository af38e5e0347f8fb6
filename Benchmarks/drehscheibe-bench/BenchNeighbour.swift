import AMQP
import ArgumentParser
import CBenchLoop
import CaseModel
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Router
import Synchronization

/// `drehscheibe bench neighbour`: what one misbehaving partner agency costs another, measured on
/// the real topology (DESIGN.md: a partner may cost the others at most what its limits allow,
/// and that figure is written down). A victim agency publishes valid visa applications at a
/// fixed rate; after a baseline phase a flooding agency, logged in as itself and held only by
/// its broker limits, floods `case.ingress` in turn with valid messages, schema-invalid ones,
/// oversize bodies and forged hub headers. The cost is the victim's latency from publish to its
/// copy in `inbox.bva`, against the baseline.
///
/// It runs on the dev broker's `drehscheibe` virtual host (deployed definitions) with the real
/// router as a child process (this binary, the deployed settings, a scratch SQLite store), and
/// purges the queues it uses before each phase: so it refuses to run next to another router.
/// The flooder shares the machine's cores with the router and the broker, which a partner's
/// adapter would not: on a small machine the figures overstate the cost.
struct BenchNeighbour: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "neighbour", abstract: "What one flooding agency costs another: the victim's latency under valid, invalid, oversize and forged floods.")

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .customLong("router-url"), help: "The router's broker login (default: $DREHSCHEIBE_ROUTER_AMQP_URL).") var routerURL: String?
    @Option(name: .customLong("victim-url"), help: "The victim agency's login, an av.* mission (default: $DREHSCHEIBE_VICTIM_AMQP_URL).") var victimURL: String?
    @Option(name: .customLong("flooder-url"), help: "The flooding agency's login, an av.* mission (default: $DREHSCHEIBE_FLOODER_AMQP_URL).") var flooderURL: String?
    @Option(help: "Seconds of each phase.") var seconds = 10
    @Option(help: "The victim's rate in msg/s.") var rate = 50
    @Option(help: "The flooder's connections (its broker user may hold 16).") var connections = 4
    @Option(help: "Unconfirmed publishes per flooder connection.") var window = 256
    @Option(name: .customLong("drain-seconds"), help: "After a phase, how long to wait for the victim's last messages.") var drainSeconds = 300
    @Option(help: "Phases to run, comma-separated (the first is the reference for the p99 ratio).")
    var phases = Flood.allCases.map(\.rawValue).joined(separator: ",")
    @Option(help: "The Schemas/ directory.") var schemas: String?
    @Option(help: "The router's deployment settings.") var config = "deploy/router/router.json"
    @Option(name: .customLong("broker-pid"), help: "The broker's OS process, for its CPU per message (default: $DREHSCHEIBE_BROKER_PID).")
    var brokerPID: Int32?

    /// Unconfirmed bytes per flooder connection: oversize bodies would otherwise pile up
    /// hundreds of MiB in this process.
    static let windowBytes = 32 << 20

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        func login(_ option: String?, _ variable: String, _ what: String) throws -> (url: String, user: String) {
            guard let url = option ?? environment[variable], !url.isEmpty else {
                throw BenchError("bench neighbour needs the \(what)'s broker login: pass it or set \(variable) (scripts/bench neighbour sets it)")
            }
            guard case .plain(let user, _) = try ConnectionConfiguration(url: url).authentication else { throw BenchError("the \(what) logs in with a password") }
            return (url, user)
        }
        let routerLogin = try login(routerURL, "DREHSCHEIBE_ROUTER_AMQP_URL", "router")
        let victim = try login(victimURL, "DREHSCHEIBE_VICTIM_AMQP_URL", "victim agency")
        let flooder = try login(flooderURL, "DREHSCHEIBE_FLOODER_AMQP_URL", "flooding agency")
        let floods = try phases.split(separator: ",").map { name in
            guard let flood = Flood(rawValue: String(name)) else { throw BenchError("unknown phase \(name) (known: \(Flood.allCases.map(\.rawValue).joined(separator: ", ")))") }
            return flood
        }
        guard !floods.isEmpty, seconds > 0, rate > 0, (1...16).contains(connections), window > 0 else {
            throw BenchError("--phases must name one, --seconds, --rate and --window be positive, --connections 1…16")
        }
        let schemasDirectory = SchemasLocation.directory(schemas)
        let victimMessages = try NeighbourMessages(agency: victim.user, schemas: schemasDirectory)
        let flooderMessages = try NeighbourMessages(agency: flooder.user, schemas: schemasDirectory)
        guard let settings = FileManager.default.contents(atPath: config) else { throw BenchError("cannot read the router settings \(config)") }
        var deployed = RouterConfiguration(connection: ConnectionConfiguration(host: "localhost"), schemasDirectory: schemasDirectory)
        try RouterSettings(json: Array(settings)).apply(to: &deployed)
        let shards = deployed.queues

        // The deployed topology, with no other router and no adapter on the queues measured.
        let amqp = try await Connection.connect(try connection.configuration(name: "bench neighbour"))
        let admin = try await amqp.openChannel(publisherConfirms: false)
        let outputs = ["inbox.bva", "inbox.aa", "inbox.bsi", "inbox.\(victim.user)", "inbox.\(flooder.user)", "dead.letters"]
        for queue in shards + outputs {
            let state: QueueState
            do {
                state = try await admin.inspectQueue(queue)
            } catch {
                throw BenchError("\(queue) does not exist on vhost \(amqp.configuration.virtualHost): bench neighbour needs the deployed topology (deploy/local/broker start loads it)")
            }
            if shards.contains(queue) || queue == "inbox.bva", state.consumerCount > 0 {
                throw BenchError("\(queue) already has \(state.consumerCount) consumer(s): another router or adapter runs on this broker; stop it first (the bench starts its own router and purges these queues)")
            }
        }

        let scratch = ScratchStore(name: "bench-neighbour")
        defer { scratch.remove() }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("bench-neighbour-\(getpid()).log").path
        let metricsPort = Int(cbench_free_local_port())
        guard metricsPort > 0 else { throw BenchError("no free port on 127.0.0.1 for the router's /metrics") }
        for queue in shards + outputs { _ = try await admin.purgeQueue(queue) }
        let router = try BenchChild(arguments: [
            "router", "--config", config, "--store", scratch.location, "--schemas", schemasDirectory.path, "--metrics-port", "\(metricsPort)",
        ], environment: ["DREHSCHEIBE_AMQP_URL": routerLogin.url, "DREHSCHEIBE_LOG_LEVEL": "warning"], log: log)
        BenchReport.progress("router started (pid \(router.pid), log \(log)); victim \(victim.user) at \(rate) msg/s, flooder \(flooder.user) on \(connections) connection(s)")

        let arrivals = Arrivals()
        let deepest = Deepest()
        var report = BenchReport(name: "neighbour")
        var missing: [String] = []
        do {
            try await router.whileRunning { try await Self.waitForConsumers(shards, channel: admin) }
            // The victim's copies to the BVA are measured; the AA's are taken as its adapter would.
            let inbox = try await amqp.openChannel(publisherConfirms: false)
            try await inbox.setPrefetch(1000)
            for queue in ["inbox.bva", "inbox.aa"] {
                _ = try await inbox.consume(queue: queue, onDelivery: { delivery in
                    let now = ContinuousClock.now
                    try? delivery.ack()
                    if let id = delivery.properties.messageID { arrivals.arrived(id, at: now) }
                }, onEnd: { _ in })
            }
            let sampler = Task {
                let channel = try await amqp.openChannel(publisherConfirms: false)
                while !Task.isCancelled {
                    for shard in shards { if let state = try? await channel.inspectQueue(shard) { deepest.note(Int(state.messageCount)) } }
                    try? await Task.sleep(for: .milliseconds(250))
                }
            }
            defer { sampler.cancel() }
            let victimConnection = try await Connection.connect(try ConnectionConfiguration(url: victim.url))
            var flooderConfiguration = try ConnectionConfiguration(url: flooder.url)
            flooderConfiguration.connectionName = "bench neighbour flooder"
            var opened: [Connection] = []
            for _ in 0..<connections { opened.append(try await Connection.connect(flooderConfiguration)) }
            let flooders = opened
            let brokerPID = self.brokerPID ?? environment["DREHSCHEIBE_BROKER_PID"].flatMap { Int32($0) }

            var baselineP99 = Double.nan
            for (phase, flood) in floods.enumerated() {
                // The previous phase's backlog goes; what the router holds unacknowledged settles.
                for shard in shards { _ = try await admin.purgeQueue(shard) }
                try await Task.sleep(for: .seconds(2))
                for queue in shards + outputs { _ = try await admin.purgeQueue(queue) }
                BenchReport.progress("\(flood.rawValue): \(seconds) s")
                deepest.reset()
                let before = await Snapshot(router: router, brokerPID: brokerPID, metricsPort: metricsPort)
                let run = try await router.whileRunning { [rate, seconds, window, drainSeconds] in
                    try await Self.phase(
                        flood, index: phase, seconds: seconds, drainSeconds: drainSeconds, victim: (victimMessages, victimConnection, rate),
                        flooder: (flooderMessages, flooders, window), arrivals: arrivals, deepest: deepest)
                }
                let (started, ended, drained, victimRun, floodRun) = (run.started, run.ended, run.drained, run.victim, run.flood)
                let after = await Snapshot(router: router, brokerPID: brokerPID, metricsPort: metricsPort)
                let incidents = try? await admin.inspectQueue("inbox.bsi").messageCount
                let latencies = arrivals.close(phase).sorted()

                let processed = after.processed - before.processed
                let p99 = BenchReport.percentile(latencies, 99)
                if phase == 0 { baselineP99 = p99 }
                let span = (drained - started).seconds
                var values: [String: Double] = [
                    "victim_p50_ms": BenchReport.percentile(latencies, 50), "victim_p99_ms": p99, "victim_max_ms": latencies.last ?? .nan,
                    "p99_vs_baseline": baselineP99 > 0 ? p99 / baselineP99 : .nan,
                    "victim_delivered": Double(latencies.count), "victim_sent": Double(victimRun.sent), "victim_refused": Double(victimRun.sent - victimRun.confirmed),
                    "flood_msgs_per_s": Double(floodRun.accepted) / Double(seconds), "flood_mb_per_s": Double(floodRun.bytes) / Double(seconds) / 1e6,
                    "flood_refused": Double(floodRun.refused), "deepest_shard": Double(deepest.current),
                    "dead_letters": after.deadLettered - before.deadLettered, "bsi_incidents": incidents.map(Double.init) ?? .nan,
                    "router_msgs_per_s": processed / span, "router_cpu_us_per_msg": (after.routerCPU - before.routerCPU) / processed * 1e6,
                    "broker_cpu_us_per_msg": (after.brokerCPU - before.brokerCPU) / processed * 1e6,
                    "drain_s": (drained - ended).seconds,
                ]
                if flood == .none { for key in ["flood_msgs_per_s", "flood_mb_per_s", "flood_refused"] { values[key] = nil } }
                // A figure that could not be measured (no samples, no /metrics, no /proc) is left
                // out: the table shows it as "-" and the JSON lists it under "missing".
                for (key, value) in values where !value.isFinite {
                    values[key] = nil
                    missing.append("\(flood.rawValue).\(key)")
                }
                report.addRow(flood.rawValue, values)
                BenchReport.progress("\(flood.rawValue): victim p99 \(values["victim_p99_ms"].map(BenchReport.format) ?? "missing") ms, flooder \(floodRun.accepted) accepted / \(floodRun.refused) refused, \(Int(processed.isFinite ? processed : 0)) processed by the router")
            }
            for connection in flooders { await connection.close() }
            await victimConnection.close()
            _ = await router.terminate()
        } catch {
            _ = await router.terminate()
            throw error
        }
        for queue in shards + outputs { _ = try? await admin.purgeQueue(queue) }
        await amqp.close()
        report.print(
            columns: [
                "victim_p50_ms", "victim_p99_ms", "victim_max_ms", "p99_vs_baseline", "victim_delivered", "victim_sent", "flood_msgs_per_s",
                "flood_mb_per_s", "deepest_shard", "dead_letters", "router_msgs_per_s", "router_cpu_us_per_msg",
            ],
            extra: [
                "victim": victim.user, "flooder": flooder.user, "seconds": "\(seconds)", "rate": "\(rate)", "connections": "\(connections)",
                "window": "\(window)", "missing": missing.joined(separator: ","),
            ])
    }

    /// One phase: the victim paced for `seconds` while the flooder floods (not in the baseline),
    /// then up to `drainSeconds` for the victim's confirmed messages still on their way.
    private static func phase(
        _ flood: Flood, index: Int, seconds: Int, drainSeconds: Int, victim: (NeighbourMessages, Connection, Int),
        flooder: (NeighbourMessages, [Connection], Int), arrivals: Arrivals, deepest: Deepest
    ) async throws -> PhaseRun {
        let started = ContinuousClock.now
        async let paced = pace(victim.0, rate: victim.2, seconds: seconds, phase: index, connection: victim.1, arrivals: arrivals)
        let flooded = flood == .none ? FloodResult() : await Self.flood(flooder.0, flood, until: started + .seconds(seconds), connections: flooder.1, window: flooder.2)
        let victimRun = try await paced
        let ended = ContinuousClock.now
        var lastNote = ended
        while arrivals.count(index) < victimRun.confirmed, ContinuousClock.now < ended + .seconds(drainSeconds) {
            try await Task.sleep(for: .milliseconds(100))
            if ContinuousClock.now - lastNote > .seconds(10) {
                lastNote = ContinuousClock.now
                BenchReport.progress("\(flood.rawValue): waiting for \(victimRun.confirmed - arrivals.count(index)) victim messages; deepest shard \(deepest.current)")
            }
        }
        return PhaseRun(started: started, ended: ended, drained: ContinuousClock.now, victim: victimRun, flood: flooded)
    }

    /// Waits until the router consumes every shard.
    private static func waitForConsumers(_ shards: [String], channel: Channel) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            var ready = true
            for shard in shards where try await channel.inspectQueue(shard).consumerCount == 0 { ready = false }
            if ready { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw BenchError("the router did not consume \(shards.joined(separator: ", ")) within 60 s")
    }

    /// Publishes the victim's valid messages at `rate` for `seconds` (each at its due time, so a
    /// slow confirm does not delay the next) and returns how many were sent and confirmed.
    private static func pace(
        _ messages: NeighbourMessages, rate: Int, seconds: Int, phase: Int, connection: Connection, arrivals: Arrivals
    ) async throws -> (sent: Int, confirmed: Int) {
        let channel = try await connection.openChannel()
        let total = rate * seconds
        let start = ContinuousClock.now
        var receipts: [PublishReceipt] = []
        var sent = 0
        while sent < total {
            let due = min(total, Int((ContinuousClock.now - start).seconds * Double(rate)) + 1)
            if due > sent {
                let batch = (sent..<due).map { _ in OutgoingMessage(exchange: "case.ingress", routingKey: messages.type, message: messages.message(.none)) }
                arrivals.sent(batch.compactMap(\.message.properties.messageID), phase: phase, at: ContinuousClock.now)
                receipts.append(channel.send(contentsOf: batch))
                sent = due
            }
            try await Task.sleep(until: start + .seconds(Double(sent) / Double(rate)), clock: .continuous)
        }
        var confirmed = 0
        for receipt in receipts { for case .success in await receipt.outcomes() { confirmed += 1 } }
        try? await channel.close()
        return (sent, confirmed)
    }

    /// Publishes `flood` messages on every connection until `deadline`, each keeping `window`
    /// publishes (at most ``windowBytes``) unconfirmed, and counts what the broker took and
    /// refused (reject-publish on a full shard, a closed connection).
    private static func flood(
        _ messages: NeighbourMessages, _ flood: Flood, until deadline: ContinuousClock.Instant, connections: [Connection], window: Int
    ) async -> FloodResult {
        await withTaskGroup(of: FloodResult.self) { group in
            for connection in connections {
                group.addTask {
                    var result = FloodResult()
                    guard let channel = try? await connection.openChannel() else { return result }
                    var inFlight: [(receipt: PublishReceipt, count: Int, bytes: Int)] = []
                    var messagesInFlight = 0, bytesInFlight = 0
                    func settleOldest() async {
                        let oldest = inFlight.removeFirst()
                        messagesInFlight -= oldest.count
                        bytesInFlight -= oldest.count * oldest.bytes
                        for outcome in await oldest.receipt.outcomes() {
                            if case .success = outcome {
                                result.accepted += 1
                                result.bytes += oldest.bytes
                            } else {
                                result.refused += 1
                            }
                        }
                    }
                    while ContinuousClock.now < deadline, !Task.isCancelled {
                        while !inFlight.isEmpty, messagesInFlight >= window || bytesInFlight >= windowBytes { await settleOldest() }
                        let first = messages.message(flood)
                        let size = first.body.count
                        let room = max(1, min(32, window - messagesInFlight, (windowBytes - bytesInFlight) / max(size, 1)))
                        let batch = [first] + (1..<room).map { _ in messages.message(flood) }
                        inFlight.append((channel.send(contentsOf: batch.map { OutgoingMessage(exchange: "case.ingress", routingKey: messages.type, message: $0) }), batch.count, size))
                        messagesInFlight += batch.count
                        bytesInFlight += batch.count * size
                        // A connection the broker closed recovers on its own; no spinning meanwhile.
                        if !connection.isConnected { try? await Task.sleep(for: .milliseconds(100)) }
                    }
                    while !inFlight.isEmpty { await settleOldest() }
                    try? await channel.close()
                    return result
                }
            }
            return await group.reduce(into: FloodResult()) {
                $0.accepted += $1.accepted
                $0.refused += $1.refused
                $0.bytes += $1.bytes
            }
        }
    }
}

/// What the flooder sends in a phase; the first phase, without a flooder, is the baseline.
enum Flood: String, CaseIterable, Sendable {
    case none = "baseline"
    /// Valid visa applications, routed like the victim's: router capacity, first come first served.
    case valid = "valid_flood"
    /// Schema-invalid applications: a dead letter and a receipt each.
    case invalid = "invalid_flood"
    /// ~1.5 MiB bodies (the broker takes up to 2 MiB): refused by the router without being held.
    case oversize = "oversize_flood"
    /// Valid bodies with a hub header: refused (`auth.reserved-header`) with a BSI incident.
    case forged = "forged_headers"
}

/// When a phase started, stopped publishing and had its victim messages in, and what was sent.
private struct PhaseRun: Sendable {
    var started, ended, drained: ContinuousClock.Instant
    var victim: (sent: Int, confirmed: Int)
    var flood: FloodResult
}

/// What the broker did with a flooder's publishes.
private struct FloodResult: Sendable {
    var accepted = 0
    var refused = 0
    /// Bytes of the accepted bodies.
    var bytes = 0
}

/// The figures read around a phase: the router's CPU and message counters, the broker's CPU.
private struct Snapshot {
    var routerCPU: Double
    var brokerCPU: Double
    /// Messages the router settled, by any outcome, and those it dead-lettered.
    var processed: Double
    var deadLettered: Double

    init(router: BenchChild, brokerPID: Int32?, metricsPort: Int) async {
        routerCPU = router.cpuSeconds ?? .nan
        brokerCPU = brokerPID.flatMap { BenchReport.cpuSeconds(pid: $0) } ?? .nan
        let text = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(metricsPort)/metrics")!).0
        let metrics = text.map { String(decoding: $0, as: UTF8.self) }
        processed = metrics.map { Self.sum($0, "drehscheibe_router_messages_total") } ?? .nan
        deadLettered = metrics.map { Self.sum($0, "drehscheibe_router_messages_total", label: #"outcome="dead-lettered""#) } ?? .nan
    }

    /// The sum of a counter's series in Prometheus text, over those with `label` if given.
    static func sum(_ text: String, _ name: String, label: String? = nil) -> Double {
        var total = 0.0
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
            if let label, !line.contains(label) { continue }
            if let value = line.split(separator: " ").last.flatMap({ Double($0) }) { total += value }
        }
        return total
    }
}

/// The deepest router.ingress shard seen since the last reset, in ready messages (what a passive
/// declare reports several times a second; the management API's figures lag by seconds): the
/// router holds up to its prefetch (256 per shard) more, delivered but not yet settled.
private final class Deepest: Sendable {
    private let value = Mutex(0)
    func note(_ depth: Int) { value.withLock { $0 = max($0, depth) } }
    func reset() { value.withLock { $0 = 0 } }
    var current: Int { value.withLock { $0 } }
}

/// The victim's messages: when each was published, by message id, and each phase's latencies
/// (ms) as their copies arrive. Arrivals come on the consumer's I/O thread, hence the lock.
private final class Arrivals: Sendable {
    private struct State {
        var pending: [String: (phase: Int, sent: ContinuousClock.Instant)] = [:]
        var latencies: [Int: [Double]] = [:]
    }

    private let state = Mutex(State())

    func sent(_ ids: [String], phase: Int, at instant: ContinuousClock.Instant) {
        state.withLock { state in for id in ids { state.pending[id] = (phase, instant) } }
    }

    func arrived(_ id: String, at instant: ContinuousClock.Instant) {
        state.withLock { state in
            guard let sent = state.pending.removeValue(forKey: id) else { return }
            state.latencies[sent.phase, default: []].append((instant - sent.sent).seconds * 1000)
        }
    }

    func count(_ phase: Int) -> Int { state.withLock { $0.latencies[phase]?.count ?? 0 } }

    /// The phase's latencies; its messages still missing no longer count.
    func close(_ phase: Int) -> [Double] {
        state.withLock { state in
            state.pending = state.pending.filter { $0.value.phase != phase }
            return state.latencies[phase] ?? []
        }
    }
}

/// One agency's visa applications, built from Schemas/examples: a serialised envelope into
/// which each message's id and subject are copied, because serialising a JSON tree per message
/// would take CPU the flood shares with the router. The subject (the case id the shards hash)
/// differs per message, so a flood fills every shard.
/// Visa applications of one mission (valid, schema-invalid, oversize or with a forged hub
/// header), each with a fresh id and case: the traffic of bench neighbour and the chaos suite.
struct NeighbourMessages: Sendable {
    let agency: String
    let type: String
    private let valid: Template
    private let invalid: Template
    private let oversize: [UInt8]

    static let oversizeBytes = 1_572_864

    init(agency: String, schemas: URL) throws {
        guard let source = AgencyID(agency)?.urn else { throw BenchError("\(agency) is not an agency id") }
        self.agency = agency
        let folder = schemas.appendingPathComponent("examples/visa.application-submitted.v1")
        valid = try Template(folder.appendingPathComponent("valid-schengen-family-visit.json"), agency: agency, source: source)
        invalid = try Template(folder.appendingPathComponent("invalid-no-applicant.json"), agency: agency, source: source)
        type = valid.type
        // Whitespace after the envelope keeps it JSON; the router refuses it by size alone.
        oversize = valid.bytes + [UInt8](repeating: 0x20, count: max(0, Self.oversizeBytes - valid.bytes.count))
    }

    /// A fresh message of this agency for `flood` (`.none`: a valid one).
    func message(_ flood: Flood) -> Message {
        let id = UUID().uuidString.lowercased()
        let subject = "\(agency):NB-\(id.prefix(8))"
        var headers: FieldTable = ["ce-subject": .string(subject)]
        if flood == .forged { headers[HubHeader.pendingRecipients] = .string("bva") }
        let body = switch flood {
        case .oversize: oversize
        case .invalid: invalid.filled(id: id, subject: subject)
        case .none, .valid, .forged: valid.filled(id: id, subject: subject)
        }
        return Message(body: body, properties: BasicProperties(
            contentType: CaseEvent.contentType, headers: headers, messageID: id, type: type, userID: agency))
    }

    /// A serialised example envelope of the agency with placeholders of the same length as a
    /// message's id and subject.
    private struct Template: Sendable {
        let bytes: [UInt8]
        let type: String
        private let id: Range<Int>
        private let subject: Range<Int>

        init(_ file: URL, agency: String, source: String) throws {
            guard case .object(var envelope) = try JSONValue(parsing: Array(Data(contentsOf: file))) else { throw BenchError("\(file.path) is not an object") }
            let idMark = "00000000-0000-4000-8000-00000000beef", subjectMark = "\(agency):NB-########"
            envelope["id"] = .string(idMark)
            envelope["subject"] = .string(subjectMark)
            envelope["source"] = .string(source)
            bytes = JSONValue.object(envelope).serialized()
            type = envelope["type"]?.stringValue ?? ""
            guard let id = bytes.firstRange(of: Array(idMark.utf8)), let subject = bytes.firstRange(of: Array(subjectMark.utf8)) else {
                throw BenchError("cannot place the id and subject in \(file.path)")
            }
            self.id = id
            self.subject = subject
        }

        func filled(id: String, subject: String) -> [UInt8] {
            var body = bytes
            body.replaceSubrange(self.id, with: id.utf8.prefix(self.id.count))
            body.replaceSubrange(self.subject, with: subject.utf8.prefix(self.subject.count))
            return body
        }
    }
}
