import Foundation

/// One fault the chaos suite injects while case traffic flows (issue 20): what a federal
/// deployment must survive without losing or duplicating a case message.
enum ChaosFault: String, CaseIterable, Sendable {
    /// kill -9 the broker node that leads the router's first shard queue, then start it again.
    case leaderKill = "leader-kill"
    /// kill -9 a router instance, three times at random moments, each restarted.
    case routerKill = "router-kill"
    /// PostgreSQL (routing ledger, deadlines, dead-letter store) stopped, then started.
    case storeOutage = "store-outage"
    /// Every client connection closed on the broker side.
    case connectionsClosed = "connections-closed"
    /// A memory alarm on one node: the cluster blocks every publisher.
    case memoryAlarm = "memory-alarm"
    /// kill -9 the operations server while it drains dead letters, twice, each restarted.
    case opsKill = "ops-kill"

    var summary: String {
        switch self {
        case .leaderKill: "kill -9 the node leading router.ingress.0, restart it"
        case .routerKill: "kill -9 a router instance 3 times at random moments"
        case .storeOutage: "PostgreSQL stopped, then started"
        case .connectionsClosed: "every client connection closed by the broker"
        case .memoryAlarm: "memory alarm on node 1 (publishers blocked)"
        case .opsKill: "kill -9 the operations server while it drains dead letters, twice"
        }
    }
}

/// The outside world the faults act on: the cluster and PostgreSQL scripts, run as child
/// processes with the environment `scripts/chaos` set up.
struct ChaosScripts: Sendable {
    let root: URL
    let cluster: String
    let postgres: String

    init(root: URL) {
        self.root = root
        cluster = root.appendingPathComponent("deploy/local/cluster").path
        postgres = root.appendingPathComponent("deploy/ops/postgres").path
    }

    /// Runs a script; its standard output, or an error with the end of its standard error.
    /// Output goes through files, not pipes: a node the script starts in the background may
    /// keep an inherited descriptor open long after the script exited.
    @discardableResult
    func run(_ script: String, _ arguments: [String]) async throws -> String {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("chaos-\(UUID().uuidString)").path
        let (outPath, errPath) = (base + ".out", base + ".err")
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        let pid = try spawn(script, arguments, environment: ProcessInfo.processInfo.environment, output: .files(output: outPath, errors: errPath))
        let status = await waitForExit(pid)
        let exitCode = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        guard exitCode == 0 else {
            let problems = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
            throw BenchError("\(URL(fileURLWithPath: script).lastPathComponent) \(arguments.joined(separator: " ")) exited \(exitCode): \(problems.suffix(600))")
        }
        return (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
    }

    /// The cluster's URLs (comma-separated) for a broker user.
    func urls(_ user: String) async throws -> String {
        let output = try await run(cluster, ["urls", user])
        guard let line = output.split(separator: "\n").last, line.hasPrefix("amqp") else { throw BenchError("deploy/local/cluster urls \(user) printed no URL") }
        return String(line)
    }

    /// The number (1-3) of the node that leads a quorum queue.
    func leader(of queue: String) async throws -> Int {
        let name = try await run(cluster, ["leader", queue]).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let number = name.split(separator: "@").first?.split(separator: "-").last.flatMap({ Int($0) }) else {
            throw BenchError("no leader for \(queue): '\(name)'")
        }
        return number
    }
}
