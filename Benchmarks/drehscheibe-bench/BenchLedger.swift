import ArgumentParser
import Foundation
import Logging
import Router
import Store

/// `drehscheibe bench ledger`: what the router's ledger costs per routed message: recording a
/// batch of decisions (routing-log rows, which are the dedupe marks, and the batch's audit record) and the dedupe lookup, as the
/// store grows. The memory ledger (no persistence) is the baseline in the same run.
struct BenchLedger: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Routing ledger: CPU and wall time per message to record and to look up, SQLite vs memory.",
        discussion: """
            Each round records --count decisions in batches of --batch (as the router's ledger task \
            does), then looks up --count new ids in groups of --lookup (as a shard's decide step \
            does). Rounds run on the same store, so later rounds show the cost in a bigger store. \
            CPU is this process's user+system time (SQLite runs in-process; for PostgreSQL the \
            server's share is not counted).
            """
    )

    @Option(help: "Decisions per round.")
    var count = 20_000

    @Option(help: "Rounds on the same store.")
    var rounds = 3

    @Option(help: "Decisions per ledger transaction.")
    var batch = 100

    @Option(help: "Message ids per dedupe lookup.")
    var lookup = 8

    @Option(help: "The store (sqlite:PATH | postgres://...); default a fresh SQLite file in the temp directory.")
    var store: String?

    func run() async throws {
        var logger = Logger(label: "drehscheibe.bench")
        logger.logLevel = .warning
        let scratch = ScratchStore(name: "bench-ledger")
        let location = try StoreLocation(parsing: store ?? scratch.location)
        defer { if store == nil { scratch.remove() } }
        var report = BenchReport(name: "ledger")
        BenchReport.progress("\(rounds) rounds of \(count) decisions, batches of \(batch), lookups of \(lookup) ids, store \(location)")
        let memory = MemoryLedger()
        report.addRow("memory", try await measure(memory, round: 0))
        let measured = try await HubStore.withStore(location, logger: logger) { hub in
            try await hub.migrate()
            var rows: [[String: Double]] = []
            for round in 0..<rounds {
                BenchReport.progress("round \(round + 1)")
                rows.append(try await measure(hub, round: round))
            }
            return rows
        }
        for (round, figures) in measured.enumerated() { report.addRow("store_round_\(round + 1)", figures) }
        report.print(
            columns: ["records_before", "record_cpu_us_per_msg", "record_wall_us_per_msg", "lookup_cpu_us_per_msg", "lookup_wall_us_per_msg"],
            extra: ["count": "\(count)", "batch": "\(batch)", "lookup": "\(lookup)"])
    }

    /// One round: record `count` decisions, then look up as many ids the ledger has not seen.
    private func measure(_ ledger: any RoutingLedger, round: Int) async throws -> [String: Double] {
        let records = Self.decisions(count)
        let unseen = Self.decisions(count).map { DedupeKey(messageID: $0.messageID, caseID: $0.caseID!) }
        var figures = ["records_before": Double(round * count)]
        var (cpu, wall) = (Self.cpuSeconds(), ContinuousClock.now)
        for start in stride(from: 0, to: records.count, by: batch) {
            try await ledger.record(Array(records[start..<min(start + batch, records.count)]))
        }
        figures["record_cpu_us_per_msg"] = (Self.cpuSeconds() - cpu) / Double(count) * 1e6
        figures["record_wall_us_per_msg"] = BenchValidate.microseconds(ContinuousClock.now - wall) / Double(count)
        (cpu, wall) = (Self.cpuSeconds(), ContinuousClock.now)
        for start in stride(from: 0, to: unseen.count, by: lookup) {
            let found = try await ledger.deliveredAlready(Array(unseen[start..<min(start + lookup, unseen.count)]))
            guard found.isEmpty else { throw CleanExit.message("the ledger reported ids it never recorded as delivered") }
        }
        figures["lookup_cpu_us_per_msg"] = (Self.cpuSeconds() - cpu) / Double(count) * 1e6
        figures["lookup_wall_us_per_msg"] = BenchValidate.microseconds(ContinuousClock.now - wall) / Double(count)
        return figures
    }

    /// Delivered decisions shaped like the router's: random message ids, about five messages per
    /// case, two recipient copies.
    private static func decisions(_ count: Int) -> [RoutingRecord] {
        let type = "de.migration.employment.consent-requested.v1"
        let now = Date()
        let cases = (0..<max(1, count / 5)).map { _ in "abh.berlin:BENCH-\(UUID().uuidString.prefix(13))" }
        return (0..<count).map { index in
            RoutingRecord(
                messageID: UUID().uuidString.lowercased(), eventType: type, caseID: cases[index % cases.count],
                source: "urn:de:agency:abh.berlin", sender: "abh.berlin", receivedAt: now, decidedAt: now, replayed: false,
                outcome: .delivered([
                    .init(recipient: "ba.zav", projection: "employment-consent", type: type),
                    .init(recipient: "bamf", projection: "full", type: type),
                ]))
        }
    }

    private static func cpuSeconds() -> Double { BenchReport.cpuSeconds(pid: getpid()) ?? 0 }
}
