import ArgumentParser
import CaseModel
import Foundation

/// `drehscheibe bench validate`: validations per second of a typical case event, Swift against
/// jsonschema-rs (Rust, driven from Python) on the same schema and instance.
struct BenchValidate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "JSON Schema validation throughput: CaseModel vs jsonschema-rs.",
        discussion: """
            Swift rows: isValid and validate on an already parsed instance, and parse+validate from \
            the compact bytes. Baseline rows come from bench/jsonschema_rs_bench.py, run in a venv \
            under .state/bench-venv (created on first use with pip install jsonschema-rs). Both sides \
            assert formats.
            """
    )

    @Option(help: "Seconds to measure each row.")
    var seconds: Double = 3

    @Option(help: "Schema file (default: bench/validate/schema.json in the package).")
    var schema: String?

    @Option(help: "Instance file (default: bench/validate/instance.json in the package).")
    var instance: String?

    @Flag(help: "Skip the jsonschema-rs baseline.")
    var skipBaseline = false

    /// The package root: the working directory if it has bench/, else where this file was built from.
    static var packageRoot: URL {
        let current = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        if FileManager.default.fileExists(atPath: current.appendingPathComponent("bench/validate").path) { return current }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    func run() async throws {
        let root = Self.packageRoot
        let schemaURL = schema.map { URL(fileURLWithPath: $0) } ?? root.appendingPathComponent("bench/validate/schema.json")
        let instanceURL = instance.map { URL(fileURLWithPath: $0) } ?? root.appendingPathComponent("bench/validate/instance.json")

        let compiled = try SchemaRegistry().compile(try JSONValue(parsing: [UInt8](try Data(contentsOf: schemaURL))))
        let parsed = try JSONValue(parsing: [UInt8](try Data(contentsOf: instanceURL)))
        let bytes = parsed.serialized()
        let result = compiled.validate(parsed)
        guard result.isValid else {
            throw CleanExit.message("the instance is not valid: \(result.errors.map(\.message).joined(separator: "; "))")
        }

        var report = BenchReport(name: "validate")
        BenchReport.progress("instance \(bytes.count) bytes compact, \(seconds) s per row")
        BenchReport.progress("swift isValid on a parsed instance")
        report.addRow("swift_is_valid", Self.measure(seconds: seconds) { compiled.isValid(parsed) })
        BenchReport.progress("swift validate on a parsed instance")
        report.addRow("swift_validate", Self.measure(seconds: seconds) { compiled.validate(parsed).isValid })
        BenchReport.progress("swift parse + validate from bytes")
        report.addRow("swift_parse_validate", Self.measure(seconds: seconds) {
            (try? compiled.validate(json: bytes))?.isValid ?? false
        })

        var extra = ["instance_bytes": String(bytes.count)]
        if !skipBaseline {
            do {
                let baseline = try Self.runBaseline(root: root, schema: schemaURL, instance: instanceURL, seconds: seconds)
                extra["jsonschema_rs_version"] = baseline["version"]?.stringValue ?? "unknown"
                for (key, label) in [("is_valid", "rs_is_valid"), ("validate", "rs_validate"), ("parse_is_valid", "rs_parse_is_valid")] {
                    guard let row = baseline[key] else { continue }
                    report.addRow(label, [
                        "per_sec": row["per_sec"]?.numberValue?.doubleValue ?? .nan,
                        "p50_us": (row["p50_ns"]?.numberValue?.doubleValue ?? .nan) / 1000,
                        "p99_us": (row["p99_ns"]?.numberValue?.doubleValue ?? .nan) / 1000,
                    ])
                }
                let figures = report.figures
                if let swift = figures["swift_is_valid.per_sec"], let rust = figures["rs_is_valid.per_sec"] {
                    report.addFigure("ratio_is_valid_swift_over_rs", swift / rust)
                }
                if let swift = figures["swift_validate.per_sec"], let rust = figures["rs_validate.per_sec"] {
                    report.addFigure("ratio_validate_swift_over_rs", swift / rust)
                }
                if let swift = figures["swift_parse_validate.per_sec"], let rust = figures["rs_parse_is_valid.per_sec"] {
                    report.addFigure("ratio_from_bytes_swift_over_rs", swift / rust)
                }
                // Throughput ratios suffer from whatever else runs on the machine; the median
                // call time is steadier, so report its ratio too (rs time / swift time: >1 = Swift faster).
                if let swift = figures["swift_is_valid.p50_us"], let rust = figures["rs_is_valid.p50_us"], swift > 0 {
                    report.addFigure("ratio_is_valid_p50_speed_swift_over_rs", rust / swift)
                }
            } catch {
                BenchReport.progress("jsonschema-rs baseline unavailable: \(error)")
                extra["baseline_error"] = "\(error)"
            }
        }
        report.print(columns: ["per_sec", "p50_us", "p99_us"], extra: extra)
    }

    /// Calls per second and per-call p50/p99 (µs) from batches of 100, after a warm-up.
    static func measure(seconds: Double, _ body: () -> Bool) -> [String: Double] {
        var sink = 0
        for _ in 0..<2_000 where body() { sink &+= 1 }
        let batch = 100
        var samples: [Double] = []
        var calls = 0
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start.advanced(by: .milliseconds(Int(seconds * 1000)))
        while true {
            let batchStart = clock.now
            for _ in 0..<batch where body() { sink &+= 1 }
            let elapsed = clock.now - batchStart
            samples.append(Self.microseconds(elapsed) / Double(batch))
            calls += batch
            if clock.now >= deadline { break }
        }
        let total = Self.microseconds(clock.now - start) / 1e6
        samples.sort()
        if sink < 0 { print(sink) }  // keeps the calls from being optimised away
        return [
            "per_sec": Double(calls) / total,
            "p50_us": BenchReport.percentile(samples, 50),
            "p99_us": BenchReport.percentile(samples, 99),
        ]
    }

    static func microseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1e6 + Double(attoseconds) / 1e12
    }

    /// Runs bench/jsonschema_rs_bench.py in .state/bench-venv, creating the venv if needed.
    static func runBaseline(root: URL, schema: URL, instance: URL, seconds: Double) throws -> JSONValue {
        let venv = root.appendingPathComponent(".state/bench-venv")
        let python = venv.appendingPathComponent("bin/python").path
        if !FileManager.default.fileExists(atPath: python) {
            BenchReport.progress("creating \(venv.path) (python3 -m venv; pip install jsonschema-rs)")
            _ = try Self.execute("/usr/bin/env", ["python3", "-m", "venv", venv.path])
        }
        if (try? Self.execute(python, ["-c", "import jsonschema_rs"])) == nil {
            _ = try Self.execute(python, ["-m", "pip", "install", "--quiet", "jsonschema-rs"])
        }
        BenchReport.progress("jsonschema-rs baseline")
        let output = try Self.execute(python, [root.appendingPathComponent("bench/jsonschema_rs_bench.py").path,
                                                schema.path, instance.path, "--seconds", String(seconds)])
        let lastLine = output.split(separator: "\n").last.map(String.init) ?? ""
        return try JSONValue(parsing: lastLine)
    }

    struct ProcessFailure: Error, CustomStringConvertible {
        let command: String
        let status: Int32
        var description: String { "\(command) exited with status \(status)" }
    }

    static func execute(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ProcessFailure(command: ([executable] + arguments).joined(separator: " "), status: process.terminationStatus)
        }
        return String(decoding: data, as: UTF8.self)
    }
}
