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

/// `drehscheibe bench router`: end-to-end router throughput (persistent messages on quorum
/// queues, transactional delivery, real schema validation and projection) and latency, side by
/// side in the same run with a plain C consume→publish→ack pass-through over librabbitmq on
/// the same broker. The router runs as its own process so its memory can be read alone.
///
/// Both sides get the topology the router is deployed with: a consistent-hash exchange on the
/// case id in front of `--shards` quorum queues (`router.ingress.0-3` in production). The router
/// consumes them with one worker per shard, each committing its own transactions; the
/// pass-through consumes them all on one channel with pipelined confirms. A single input queue
/// would measure one shard worker, a configuration the router is not deployed in.
struct BenchRouter: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "router", abstract: "Router vs a C pass-through: throughput, p50/p99 latency at half the router's maximum, router RSS.")

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Messages for the throughput runs.") var count = 20_000
    @Option(help: "Seconds of paced load for the latency runs.") var seconds = 10
    @Option(help: "Prefetch of the router and the pass-through.") var prefetch: UInt16 = 256
    @Option(help: "Unconfirmed publishes in flight in the pass-through.") var window = 256
    @Option(help: "The router's store (sqlite:PATH | memory | postgres://...); default a fresh SQLite file, as the router is deployed.")
    var store: String?
    @Option(help: "The Schemas/ directory.") var schemas: String?
    @Option(help: "Rate of the latency runs in msg/s (default: half the router's maximum).") var rate: Int?
    @Option(name: .customLong("latency-samples"), help: "Write each paced message's send time and latency to this CSV file (side,sent_s,latency_ms): shows when the slow ones were sent, e.g. in bursts.")
    var latencySamples: String?
    @Option(help: "Shard queues behind the consistent-hash exchange (4 as deployed).") var shards = 4
    @Option(help: "Throughput rounds, router and pass-through taking turns (the router restarted on the same store each round); the table shows the median round.")
    var rounds = 3
    @Option(name: .customLong("broker-pid"), help: "The broker's OS process, to report its CPU per message (default: DREHSCHEIBE_BROKER_PID; scripts/bench sets it).")
    var brokerPID: Int32?

    private var routerInputs: [String] { (0..<shards).map { "bench.router.in.\($0)" } }
    private var passInputs: [String] { (0..<shards).map { "bench.pass.in.\($0)" } }
    private var queues: [String] { routerInputs + passInputs + ["bench.router.out", "bench.router.dead", "bench.pass.out", Self.deadlineQueue] }
    /// The router's deadline notices in the bench: a queue of its own, so a hub running beside the
    /// bench never reads them.
    private static let deadlineQueue = "bench.router.deadlines"
    private static let shardExchanges = ["bench.router.shards": "router", "bench.pass.shards": "pass"]

    func run() async throws {
        let configuration = try connection.configuration(name: "bench router")
        guard case .plain(let adminUser, _) = configuration.authentication else { throw BenchError("bench router needs a password login") }
        let url = connection.amqpURL ?? ProcessInfo.processInfo.environment["DREHSCHEIBE_AMQP_URL"] ?? ""
        let target = try CTarget(configuration)
        let amqp = try await Connection.connect(configuration)
        let admin = try await amqp.openChannel()
        guard (1...64).contains(shards) else { throw BenchError("--shards is 1…64") }
        for queue in queues {
            _ = try? await admin.deleteQueue(queue)
            try await admin.declareQueue(queue, arguments: QueueArguments(type: .quorum))
        }
        // The deployed settings, with the bench's notice queue.
        let deployed = try JSONValue(parsing: Array(Data(contentsOf: URL(fileURLWithPath: "deploy/router/router.json"))))
        var settings = deployed.objectValue ?? [:]
        settings["deadlineQueue"] = .string(Self.deadlineQueue)
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("bench-router-\(ProcessInfo.processInfo.processIdentifier).json")
        try Data(JSONValue.object(settings).serialized()).write(to: config)
        defer { try? FileManager.default.removeItem(at: config) }
        for (exchange, side) in Self.shardExchanges {
            try? await admin.deleteExchange(exchange)
            try await admin.declareExchange(exchange, type: .consistentHash, arguments: ["hash-header": .string("ce-subject")])
            for index in 0..<shards { try await admin.bindQueue("bench.\(side).in.\(index)", to: exchange, routingKey: "1") }
        }
        try await admin.declareExchange("bench.deliver", type: .direct)
        try await admin.declareExchange("bench.dead", type: .topic)
        try await admin.bindQueue("bench.router.out", to: "bench.deliver", routingKey: "ba")
        // The deadlines a consent request opens go to a notice queue, which the router's deadline
        // service reads and records in the store, as deployed.
        try await admin.bindQueue(Self.deadlineQueue, to: "bench.deliver", routingKey: Self.deadlineQueue)
        try await admin.bindQueue("bench.router.dead", to: "bench.dead", routingKey: "#")

        let schemasDirectory = SchemasLocation.directory(schemas)
        let workload = try Workload(schemas: schemasDirectory, user: adminUser)
        BenchReport.progress("workload: \(workload.type), \(workload.bytes) bytes, 1 recipient (ba) with a projection")

        // The deployed router keeps its ledger in SQLite: measure that unless told otherwise.
        let scratch = ScratchStore(name: "bench-router")
        let store = self.store ?? scratch.location
        defer { scratch.remove() }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("bench-router-\(getpid()).log").path
        let brokerPID = self.brokerPID ?? ProcessInfo.processInfo.environment["DREHSCHEIBE_BROKER_PID"].flatMap { Int32($0) }
        // The broker's CPU per message on each side: on two cores it shares the machine with
        // both, and what the router's transactions cost it shows here, not in the router's CPU.
        let brokerCPU = { brokerPID.flatMap { BenchReport.cpuSeconds(pid: $0) } ?? .nan }
        var brokerBefore = brokerCPU()
        func brokerPerMessage(_ messages: Int) -> Double {
            let now = brokerCPU()
            defer { brokerBefore = now }
            return (now - brokerBefore) / Double(max(messages, 1)) * 1e6
        }
        let running = Mutex<BenchChild?>(nil)
        let peakRSS = Mutex(0.0)
        let sampler = Task {
            while !Task.isCancelled {
                if let rss = running.withLock({ $0 })?.residentBytes { peakRSS.withLock { $0 = max($0, rss) } }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        defer { sampler.cancel() }
        let passFrom = passInputs.joined(separator: ",")

        // Throughput: preload, then measure the drain at the output queue; with --rounds the
        // two sides take turns, so a disturbance of the shared machine hits one round, not one
        // side, and the median round is reported.
        var routerRuns: [Drain] = [], passRuns: [Drain] = []
        var router: BenchChild!
        var metricsPort = 0
        let rounds = max(1, self.rounds)
        for round in 1...rounds {
            let tag = rounds > 1 ? " (round \(round))" : ""
            BenchReport.progress("router\(tag): preloading \(count) messages")
            try await publish(count, to: "bench.router.shards", workload: workload, channel: admin)
            metricsPort = Int(cbench_free_local_port())
            guard metricsPort > 0 else { throw BenchError("no free port on 127.0.0.1 for the router's /metrics") }
            router = try BenchChild(arguments: [
                "router", "--config", config.path, "--queues", routerInputs.joined(separator: ","), "--store", store, "--trusted-relay", adminUser,
                "--broker-user", adminUser,
                "--deliver-exchange", "bench.deliver", "--dead-exchange", "bench.dead", "--retry-exchange", "bench.dead",
                "--prefetch", "\(prefetch)", "--schemas", schemasDirectory.path, "--metrics-port", "\(metricsPort)",
            ], environment: ["DREHSCHEIBE_AMQP_URL": url, "DREHSCHEIBE_LOG_LEVEL": "warning"], log: log)
            running.withLock { $0 = router }
            // CPU per message from the first copy on (the router's start-up, compiling the
            // schemas, is not part of it).
            let cpuAtFirst = Mutex<Double?>(nil)
            brokerBefore = brokerCPU()
            let started = router!
            let routerDrain = try await started.whileRunning {
                try await Collector(connection: amqp, queue: "bench.router.out", onFirst: {
                    cpuAtFirst.withLock { $0 = started.cpuSeconds }
                }).drain(count)
            }
            let routerCPU = (router.cpuSeconds ?? .nan) - (cpuAtFirst.withLock { $0 } ?? .nan)
            // The first copy's own cost is before the mark: count - 1 messages in that span.
            routerRuns.append(Drain(rate: routerDrain.rate, cpu: routerCPU / Double(max(count - 1, 1)) * 1e6, brokerCPU: brokerPerMessage(count)))
            BenchReport.progress("router\(tag): \(Int(routerDrain.rate)) msg/s, \(Int(routerRuns.last!.cpu)) µs CPU per message")
            let dead = try await admin.inspectQueue("bench.router.dead").messageCount
            guard dead == 0 else { throw BenchError("the router dead-lettered \(dead) bench messages; see \(log)") }
            // The last router stays for the latency run; the others stop so the next preload waits.
            if round < rounds {
                running.withLock { $0 = nil }
                _ = await router.terminate()
            }

            BenchReport.progress("pass-through\(tag): preloading \(count) messages")
            try await publish(count, to: "bench.pass.shards", workload: workload, channel: admin)
            let passCollector = Collector(connection: amqp, queue: "bench.pass.out")
            async let passDrain = passCollector.drain(count)
            brokerBefore = brokerCPU()
            let passResult = await runOnThread { [count, prefetch, window] in
                cbench_pass_through(target.target, passFrom, "bench.pass.out", UInt64(count), prefetch, UInt64(window), nil)
            }
            _ = try passResult.checked("pass-through")
            passRuns.append(Drain(rate: try await passDrain.rate, cpu: passResult.cpu_seconds / Double(max(count, 1)) * 1e6, brokerCPU: brokerPerMessage(count)))
            BenchReport.progress("pass-through\(tag): \(Int(passRuns.last!.rate)) msg/s, \(Int(passRuns.last!.cpu)) µs CPU per message")
        }
        let routerMedian = Drain.median(routerRuns), passMedian = Drain.median(passRuns)
        let routerMax = routerMedian.rate, passMax = passMedian.rate

        // Latency at half the router's maximum (or --rate), the same rate for both.
        let rate = self.rate ?? max(1, Int(routerMax / 2))
        let paced = rate * seconds
        BenchReport.progress("latency: \(rate) msg/s for \(seconds) s through the router")
        let cpuBeforePaced = router.cpuSeconds ?? .nan
        brokerBefore = brokerCPU()
        let metricsBeforePaced = try await Self.metrics(port: metricsPort)
        let routerLatency = try await router.whileRunning {
            try await pacedLatency(rate: rate, total: paced, input: "bench.router.shards", output: "bench.router.out", workload: workload, connection: amqp)
        }
        let routerPacedCPUPerMessage = ((router.cpuSeconds ?? .nan) - cpuBeforePaced) / Double(max(paced, 1)) * 1e6
        let routerPacedBrokerCPU = brokerPerMessage(paced)
        let legs = try await RouterLegs(before: metricsBeforePaced, after: Self.metrics(port: metricsPort))
        let routerRSS = max(peakRSS.withLock { $0 }, router.residentBytes ?? 0)
        running.withLock { $0 = nil }
        _ = await router.terminate()

        BenchReport.progress("latency: \(rate) msg/s for \(seconds) s through the pass-through")
        brokerBefore = brokerCPU()
        async let passLatencyRun = pacedLatency(rate: rate, total: paced, input: "bench.pass.shards", output: "bench.pass.out", workload: workload, connection: amqp)
        let passPaced = await runOnThread { [prefetch, window] in
            cbench_pass_through(target.target, passFrom, "bench.pass.out", UInt64(paced), prefetch, UInt64(window), nil)
        }
        _ = try passPaced.checked("pass-through (paced)")
        let passLatency = try await passLatencyRun
        let passPacedBrokerCPU = brokerPerMessage(paced)
        if let latencySamples {
            let lines = ["side,sent_s,latency_ms"] + [("router", routerLatency.samples), ("pass-through", passLatency.samples)].flatMap { side, samples in
                samples.map { "\(side),\(String(format: "%.4f", $0.sent)),\(String(format: "%.3f", $0.seconds * 1000))" }
            }
            try (lines.joined(separator: "\n") + "\n").write(toFile: latencySamples, atomically: true, encoding: .utf8)
            BenchReport.progress("latency samples written to \(latencySamples)")
        }

        for queue in queues { _ = try? await admin.deleteQueue(queue) }
        for exchange in Self.shardExchanges.keys { try? await admin.deleteExchange(exchange) }
        try? await admin.deleteExchange("bench.deliver")
        try? await admin.deleteExchange("bench.dead")
        await amqp.close()

        var report = BenchReport(name: "router")
        report.addRow("router", [
            "max_msgs_per_s": routerMax, "p50_ms": routerLatency.p50, "p99_ms": routerLatency.p99, "rss_mib": routerRSS / 1_048_576,
            "cpu_us_per_msg": routerMedian.cpu, "paced_cpu_us_per_msg": routerPacedCPUPerMessage,
            "broker_cpu_us_per_msg": routerMedian.brokerCPU, "broker_paced_cpu_us_per_msg": routerPacedBrokerCPU,
            "bench_paced_cpu_us_per_msg": routerLatency.harnessCPU / Double(max(paced, 1)) * 1e6,
        ])
        report.addRow("c_pass_through", [
            "max_msgs_per_s": passMax, "p50_ms": passLatency.p50, "p99_ms": passLatency.p99, "cpu_us_per_msg": passMedian.cpu,
            "paced_cpu_us_per_msg": passPaced.cpu_seconds / Double(max(paced, 1)) * 1e6,
            "broker_cpu_us_per_msg": passMedian.brokerCPU, "broker_paced_cpu_us_per_msg": passPacedBrokerCPU,
            // The pass-through is a thread of this process: its own CPU is not the harness's.
            "bench_paced_cpu_us_per_msg": (passLatency.harnessCPU - passPaced.cpu_seconds) / Double(max(paced, 1)) * 1e6,
        ])
        if routerRuns.count > 1 {
            for (index, (routerRun, passRun)) in zip(routerRuns, passRuns).enumerated() {
                report.addFigure("round_\(index + 1).router_msgs_per_s", routerRun.rate)
                report.addFigure("round_\(index + 1).pass_through_msgs_per_s", passRun.rate)
                report.addFigure("round_\(index + 1).ratio", routerRun.rate / passRun.rate)
            }
        }
        // Where the router's latency goes at the paced rate, from its own histograms.
        report.addRow("router_in_router", legs.inRouter)
        report.addRow("router_queued", legs.queued)
        report.addRow("router_commit", legs.commit)
        report.addFigure("router_transaction_messages_p50", legs.transactionMessagesP50)
        report.addFigure("ratio.router_over_pass_through", routerMax / passMax)
        report.addFigure("latency_rate_msgs_per_s", Double(rate))
        report.print(columns: ["max_msgs_per_s", "p50_ms", "p99_ms", "rss_mib", "cpu_us_per_msg", "paced_cpu_us_per_msg", "broker_cpu_us_per_msg", "broker_paced_cpu_us_per_msg", "bench_paced_cpu_us_per_msg"], extra: [
            "messages": "\(count)", "rounds": "\(rounds)", "bytes": "\(workload.bytes)", "type": workload.type, "store": store, "prefetch": "\(prefetch)", "shards": "\(shards)",
        ])
    }

    /// The router's Prometheus text.
    private static func metrics(port: Int) async throws -> String {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
        return String(decoding: data, as: UTF8.self)
    }

    private func publish(_ count: Int, to exchange: String, workload: Workload, channel: Channel) async throws {
        var start = 0
        while start < count {
            let batch = (start..<min(start + 500, count)).map { OutgoingMessage(exchange: exchange, routingKey: "", message: workload.message($0)) }
            for result in await channel.publish(contentsOf: batch) { try result.get() }
            start += batch.count
        }
    }

    /// Publishes at `rate` per second and measures, per message id, the time until its copy
    /// arrives at `output`; the samples' send times count from the start of the run.
    private func pacedLatency(
        rate: Int, total: Int, input: String, output: String, workload: Workload, connection: Connection
    ) async throws -> (p50: Double, p99: Double, samples: [LatencySample], harnessCPU: Double) {
        // Built before the run: the benchmark shares the two cores with the broker and the side
        // it measures, and serialising envelopes while pacing took CPU from both.
        let messages = (0..<total).map { OutgoingMessage(exchange: input, routingKey: "", message: workload.message(1_000_000 + $0)) }
        let cpuBefore = BenchReport.cpuSeconds(pid: getpid()) ?? .nan
        let sent = SendTimes()
        let collector = Collector(connection: connection, queue: output, sent: sent)
        async let drained = collector.drain(total)
        let channel = try await connection.openChannel()
        let tick = Duration.milliseconds(10)
        let perTick = max(1, rate / 100)
        var next = ContinuousClock.now
        var index = 0
        var receipts: [PublishReceipt] = []
        while index < total {
            let batch = Array(messages[index..<min(index + perTick, total)])
            let now = ContinuousClock.now
            sent.times.withLock { map in for outgoing in batch { map[outgoing.message.properties.messageID!] = now } }
            receipts.append(channel.send(contentsOf: batch))
            index += batch.count
            next += tick
            try await Task.sleep(until: next, clock: .continuous)
        }
        for receipt in receipts { for result in await receipt.outcomes() { try result.get() } }
        let samples = try await drained.latencies
        let harnessCPU = (BenchReport.cpuSeconds(pid: getpid()) ?? .nan) - cpuBefore
        let latencies = samples.map(\.seconds).sorted()
        try await channel.close()
        return (BenchReport.percentile(latencies, 50) * 1000, BenchReport.percentile(latencies, 99) * 1000, samples, harnessCPU)
    }
}

/// The router's latency legs during the paced run, from its histograms (quantiles as
/// Prometheus' histogram_quantile computes them, so within a bucket's width): arrival →
/// committed, arrival → its transaction starts, and one transaction's round trip.
/// End-to-end latency minus `in_router` is the broker's part (both queues and deliveries).
private struct RouterLegs {
    var inRouter: [String: Double]
    var queued: [String: Double]
    var commit: [String: Double]
    var transactionMessagesP50: Double

    init(before: String, after: String) {
        func between(_ name: String, _ labels: [String: String] = [:]) -> HistogramSnapshot {
            HistogramSnapshot(prometheusText: after, name: name, matching: labels)
                .subtracting(HistogramSnapshot(prometheusText: before, name: name, matching: labels))
        }
        func leg(_ histogram: HistogramSnapshot) -> [String: Double] {
            ["p50_ms": (histogram.quantile(0.5) ?? .nan) * 1000, "p99_ms": (histogram.quantile(0.99) ?? .nan) * 1000]
        }
        inRouter = leg(between(RouterMetrics.latencyName, ["outcome": "delivered"]))
        queued = leg(between(RouterMetrics.queuedName))
        commit = leg(between(RouterMetrics.commitName))
        transactionMessagesP50 = between(RouterMetrics.transactionName).quantile(0.5) ?? .nan
    }
}

/// The benchmark message: the employment consent request example (one recipient, the BA,
/// with the BA's data-minimisation projection), sent through the router's trusted-relay path.
private struct Workload: Sendable {
    let template: JSONObject
    let sender: String
    let user: String
    let type: String
    let bytes: Int

    init(schemas: URL, user: String) throws {
        let file = schemas.appendingPathComponent("examples/employment.consent-requested.v1/valid-fast-track.json")
        guard case .object(let object) = try JSONValue(parsing: Array(Data(contentsOf: file))) else { throw BenchError("\(file.path) is not an object") }
        template = object
        sender = AgencyID(urn: object["source"]?.stringValue ?? "")?.rawValue ?? "abh.berlin"
        type = object["type"]?.stringValue ?? ""
        self.user = user
        bytes = JSONValue.object(object).serialized().count
    }

    func message(_ index: Int) -> Message {
        var envelope = template
        let id = UUID().uuidString.lowercased()
        envelope["id"] = .string(id)
        let subject = "\(sender):BENCH-\(index % 997)"
        envelope["subject"] = .string(subject)
        return Message(body: JSONValue.object(envelope).serialized(), properties: BasicProperties(
            contentType: CaseEvent.contentType, headers: ["x-drehscheibe-sender": .string(sender), "ce-subject": .string(subject)],
            messageID: id, type: type, userID: user))
    }
}

/// One paced message: when it was sent (seconds after the run began) and how long it took.
private struct LatencySample {
    var sent: Double
    var seconds: Double
}

/// When each paced message was sent, by message id.
private final class SendTimes: Sendable {
    let times = Mutex<[String: ContinuousClock.Instant]>([:])
    /// The start of the paced run.
    let origin = ContinuousClock.now
}

/// Consumes an output queue and measures the drain rate and, when send times are known,
/// per-message latency.
/// One throughput drain: messages per second and CPU per message of the side and the broker.
private struct Drain {
    var rate: Double
    var cpu: Double
    var brokerCPU: Double

    /// The run with the median rate (the upper one of an even count).
    static func median(_ runs: [Drain]) -> Drain { runs.sorted { $0.rate < $1.rate }[runs.count / 2] }
}

private struct Collector: Sendable {
    let connection: Connection
    let queue: String
    var sent: SendTimes? = nil
    /// Called when the first message arrives (the start of the measured span).
    var onFirst: (@Sendable () -> Void)? = nil

    func drain(_ count: Int) async throws -> (rate: Double, latencies: [LatencySample]) {
        let channel = try await connection.openChannel(publisherConfirms: false)
        try await channel.setPrefetch(1000)
        let consumer = try await channel.consume(queue: queue)
        var first: ContinuousClock.Instant?
        var last = ContinuousClock.now
        var seen = 0
        var latencies: [LatencySample] = []
        latencies.reserveCapacity(sent == nil ? 0 : count)
        for try await delivery in consumer {
            let now = ContinuousClock.now
            if first == nil {
                first = now
                onFirst?()
            }
            last = now
            if let sent, let id = delivery.properties.messageID, let at = sent.times.withLock({ $0[id] }) {
                let elapsed = now - at
                latencies.append(LatencySample(sent: (at - sent.origin).seconds, seconds: elapsed.seconds))
            }
            try delivery.ack()
            seen += 1
            if seen == count { break }
        }
        try? await consumer.cancel()
        try? await channel.close()
        let span = first.map { last - $0 } ?? .zero
        let spanSeconds = span.seconds
        return (spanSeconds > 0 ? Double(max(seen - 1, 1)) / spanSeconds : 0, latencies)
    }
}
