import AMQP
import ArgumentParser
import CBenchLoop
import Foundation
import Router

/// `drehscheibe bench amqp`: confirmed publishes and consume-and-ack deliveries per second for
/// persistent messages, the Swift client side by side with a plain C loop over librabbitmq on
/// the same broker, per queue type, in the same run.
struct BenchAMQP: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "amqp", abstract: "Swift AMQP client vs a plain C loop over librabbitmq (same broker, same run).")

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Messages per measurement.") var count = 20_000
    @Option(help: "Body size in bytes.") var size = 1536
    @Option(help: "Unconfirmed publishes in flight.") var window = 256
    @Option(help: "Consumer prefetch.") var prefetch: UInt16 = 256
    @Option(help: "Rounds; each figure is the median over the rounds.") var rounds = 5
    @Option(name: .customLong("queue-type"), help: "classic and/or quorum.") var queueTypes: [String] = ["classic", "quorum"]

    func run() async throws {
        let configuration = try connection.configuration(name: "bench amqp")
        let target = try CTarget(configuration)
        let amqp = try await Connection.connect(configuration)
        let admin = try await amqp.openChannel()
        let body = (0..<size).map { UInt8(ascii: "a") + UInt8($0 % 26) }
        var report = BenchReport(name: "amqp")
        var extra: [String: String] = ["messages": "\(count)", "bytes": "\(size)", "window": "\(window)", "prefetch": "\(prefetch)"]

        for type in queueTypes {
            guard let queueType = QueueArguments.QueueType(rawValue: type) else { throw ValidationError("unknown queue type \(type)") }
            let queue = "bench.amqp.\(type)"
            _ = try? await admin.deleteQueue(queue)
            try await admin.declareQueue(queue, arguments: QueueArguments(type: queueType))
            var samples: [String: [Double]] = [:]
            func keep(_ key: String, _ value: Double) { samples[key, default: []].append(value) }
            for round in 1...rounds {
                // Alternate who goes first so a warming broker favours neither.
                let order = round % 2 == 1 ? ["c", "swift"] : ["swift", "c"]
                for side in order {
                    let (publish, consume): (Double, Double)
                    let cpuStart = processCPUSeconds()
                    if side == "c" {
                        publish = try await runOnThread { [count, size, window] in
                            queue.withCString { cbench_publish(target.target, $0, UInt64(count), size, UInt64(window)) }
                        }.checked("publish")
                        consume = try await runOnThread { [count, prefetch] in
                            queue.withCString { cbench_consume(target.target, $0, UInt64(count), prefetch) }
                        }.checked("consume")
                    } else {
                        publish = try await swiftPublish(amqp, queue: queue, body: body)
                        consume = try await swiftConsume(amqp, queue: queue)
                    }
                    let cpuPerMessage = (processCPUSeconds() - cpuStart) / Double(2 * count) * 1e6
                    BenchReport.progress("\(type) round \(round) \(side): publish \(Int(publish))/s, consume \(Int(consume))/s, client CPU \(String(format: "%.1f", cpuPerMessage)) µs/msg")
                    keep("\(side).publish", publish)
                    keep("\(side).consume", consume)
                    keep("\(side).cpu", cpuPerMessage)
                }
                let batched = try await swiftPublishBatched(amqp, queue: queue, body: body)
                keep("swift-batch.publish", batched)
                _ = try await swiftConsume(amqp, queue: queue)
                BenchReport.progress("\(type) round \(round) swift batch API: publish \(Int(batched))/s")
            }
            let best = samples.mapValues { BenchReport.percentile($0.sorted(), 50) }
            report.addRow("c.\(type)", ["publish_msgs_per_s": best["c.publish"]!, "consume_msgs_per_s": best["c.consume"]!, "client_cpu_us_per_msg": best["c.cpu"]!])
            report.addRow("swift.\(type)", ["publish_msgs_per_s": best["swift.publish"]!, "consume_msgs_per_s": best["swift.consume"]!, "client_cpu_us_per_msg": best["swift.cpu"]!])
            report.addRow("swift-batch.\(type)", ["publish_msgs_per_s": best["swift-batch.publish"]!])
            report.addFigure("ratio.\(type).publish", best["swift.publish"]! / best["c.publish"]!)
            report.addFigure("ratio.\(type).publish_batch", best["swift-batch.publish"]! / best["c.publish"]!)
            report.addFigure("ratio.\(type).consume", best["swift.consume"]! / best["c.consume"]!)
            try await admin.deleteQueue(queue)
        }
        if let rss = BenchReport.residentBytes() { report.addFigure("swift_process_rss_mib", rss / 1_048_576) }
        extra["broker"] = configuration.redactedURL
        await amqp.close()
        report.print(columns: ["publish_msgs_per_s", "consume_msgs_per_s", "client_cpu_us_per_msg"], extra: extra)
    }

    /// `window` publishes in flight, each awaited by its own task, as application code does it.
    private func swiftPublish(_ connection: Connection, queue: String, body: [UInt8]) async throws -> Double {
        let channel = try await connection.openChannel()
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                if index >= window { try await group.next() }
                let message = Message(body: body, properties: BasicProperties(contentType: "application/cloudevents+json", messageID: "s-\(index)"))
                group.addTask { try await channel.publish(message, exchange: "", routingKey: queue) }
            }
            try await group.waitForAll()
        }
        let rate = Double(count) / seconds(since: start)
        try await channel.close()
        return rate
    }

    /// The batch API: `window` messages handed over at once, pipelined.
    private func swiftPublishBatched(_ connection: Connection, queue: String, body: [UInt8]) async throws -> Double {
        let channel = try await connection.openChannel()
        let start = ContinuousClock.now
        let batchSize = max(1, window / 2)
        try await withThrowingTaskGroup(of: Void.self) { group in
            var index = 0
            var inFlight = 0
            while index < count {
                if inFlight == 2 { try await group.next(); inFlight -= 1 }
                let batch = (index..<min(index + batchSize, count)).map {
                    OutgoingMessage(exchange: "", routingKey: queue, message: Message(body: body, properties: BasicProperties(contentType: "application/cloudevents+json", messageID: "b-\($0)")))
                }
                index += batch.count
                inFlight += 1
                group.addTask { for result in await channel.publish(contentsOf: batch) { try result.get() } }
            }
            try await group.waitForAll()
        }
        let rate = Double(count) / seconds(since: start)
        try await channel.close()
        return rate
    }

    private func swiftConsume(_ connection: Connection, queue: String) async throws -> Double {
        let channel = try await connection.openChannel(publisherConfirms: false)
        try await channel.setPrefetch(prefetch)
        let start = ContinuousClock.now
        let consumer = try await channel.consume(queue: queue)
        var seen = 0
        for try await delivery in consumer {
            try delivery.ack()
            seen += 1
            if seen == count { break }
        }
        let rate = Double(seen) / seconds(since: start)
        try await channel.close()
        return rate
    }
}

func seconds(since start: ContinuousClock.Instant) -> Double { (ContinuousClock.now - start).seconds }

/// CPU time this process used so far (all threads), to compare client cost per message.
func processCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
