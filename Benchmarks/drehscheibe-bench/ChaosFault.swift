import Foundation

#if canImport(Glibc)
import Glibc
#endif

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
        try await runOnThread { () -> Result<String, BenchError> in
            let base = FileManager.default.temporaryDirectory.appendingPathComponent("chaos-\(UUID().uuidString)")
            let (outPath, errPath) = (base.path + ".out", base.path + ".err")
            FileManager.default.createFile(atPath: outPath, contents: nil)
            FileManager.default.createFile(atPath: errPath, contents: nil)
            defer {
                try? FileManager.default.removeItem(atPath: outPath)
                try? FileManager.default.removeItem(atPath: errPath)
            }
            // posix_spawn and waitpid, not Foundation's Process: its reaping missed a script that
            // had started a broker node in the background, and the suite hung on a zombie.
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_TRUNC, 0o600)
            posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_TRUNC, 0o600)
            var argv = ([script] + arguments).map { strdup($0) } + [nil]
            var env = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer {
                argv.forEach { free($0) }
                env.forEach { free($0) }
            }
            var pid: pid_t = 0
            let spawned = posix_spawn(&pid, script, &actions, nil, &argv, &env)
            guard spawned == 0 else { return .failure(BenchError("cannot run \(script): \(String(cString: strerror(spawned)))")) }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            let exitCode = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
            let problems = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
            guard exitCode == 0 else {
                return .failure(BenchError("\(URL(fileURLWithPath: script).lastPathComponent) \(arguments.joined(separator: " ")) exited \(exitCode): \(problems.suffix(600))"))
            }
            return .success(text)
        }.get()
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
