import Adapters
import ArgumentParser
import CaseModel
import Foundation
import Router

/// `drehscheibe demo`: plays the twelve case flows against the running adapters, as their
/// clerks: drops native documents into adapters' inbox directories and watches their outbox
/// directories. Exits non-zero when a flow did not complete.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Play realistic case traffic through running adapters and the router (the main job's flows).",
        discussion: "Reads every adapter configuration in --adapters; the adapters and the router must be running.")

    @Option(help: "The directory of adapter configurations.") var adapters = "deploy/adapters"
    @Option(help: "The Schemas/ directory (default: $DREHSCHEIBE_SCHEMAS or ./Schemas).") var schemas: String?
    @Option(name: .customLong("flow"), help: "Play only these flows (1-12); repeatable.") var flows: [Int] = []
    @Option(name: .customLong("deadline-clock-offset-file"), help: "The file the router's deadline clock reads (flow 6 moves it ahead).")
    var deadlineClockOffsetFile: String?
    @Option(help: "Seconds to wait for each step.") var timeout = 60

    func run() async throws {
        let contract = try CaseSchemas(directory: SchemasLocation.directory(schemas))
        let directory = URL(fileURLWithPath: adapters, isDirectory: true)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        let desks = try files.map { try AdapterDesk(configuration: AdapterConfiguration.load(from: directory.appendingPathComponent($0)), schemas: contract) }
        var move: (@Sendable (TimeInterval) throws -> Void)?
        if let path = deadlineClockOffsetFile {
            move = { @Sendable seconds in try CaseTraffic.moveDeadlineClock(in: path, by: seconds) }
        }
        let traffic = CaseTraffic(desks: desks, schemas: contract, timeout: .seconds(timeout), moveDeadlineClock: move) { print($0) }
        var failed: [Int] = []
        let selected = CaseTraffic.flows.filter { flows.isEmpty || flows.contains($0.number) }
        for flow in selected {
            print("\n[\(flow.number)] \(flow.title)")
            let start = ContinuousClock.now
            do {
                try await traffic.play(flow)
                print("    ✓ flow \(flow.number) completed in \(Self.seconds(ContinuousClock.now - start))")
            } catch {
                failed.append(flow.number)
                print("    ✗ flow \(flow.number) failed: \(error)")
            }
        }
        print("\n\(selected.count - failed.count) of \(selected.count) flows completed" + (failed.isEmpty ? "" : "; failed: \(failed.map(String.init).joined(separator: ", "))"))
        if !failed.isEmpty { throw ExitCode.failure }
    }

    static func seconds(_ duration: Duration) -> String {
        String(format: "%.1f s", duration.seconds)
    }
}
