import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The `drehscheibe` executable (built next to this one) started by a benchmark, e.g. the
/// router, so its own resident memory and CPU can be measured apart from the load generator's.
/// It runs under `setpriv --pdeathsig TERM` (util-linux): if the benchmark dies, the kernel
/// stops the child too, and the product needs no hook for benchmarks.
struct BenchChild: Sendable {
    let pid: pid_t
    /// Its wait status, once it exited.
    private let exited: Task<Int32, Never>
    private let log: String

    /// The drehscheibe executable next to this benchmark's.
    static var drehscheibe: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("drehscheibe").path
    }

    /// Starts `drehscheibe` with `arguments`, output appended to `log`.
    init(arguments: [String], environment: [String: String], log: String) throws {
        let executable = "/usr/bin/setpriv"
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let pid = try spawn(executable, ["--pdeathsig", "TERM", "--", Self.drehscheibe] + arguments, environment: merged, output: .appending(to: log))
        self.pid = pid
        self.log = log
        exited = Task { await waitForExit(pid) }
    }

    func terminate() async -> Int32 {
        kill(pid, SIGTERM)
        return await exited.value
    }

    /// kill -9: no chance to finish anything (the chaos suite's crash).
    func killHard() async -> Int32 {
        kill(pid, SIGKILL)
        return await exited.value
    }

    /// Runs `body` (which waits for the child's work); fails with the end of the child's log
    /// when the child exits meanwhile, instead of waiting for output that cannot come.
    func whileRunning<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let exit = ExitStatus()
        let work = Task { try await body() }
        Task { [exited] in
            let status = await exited.value
            exit.status.withLock { $0 = status }
            work.cancel()
        }
        let result = await work.result
        if let status = exit.status.withLock({ $0 }) {
            let tail = (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").suffix(10).joined(separator: "\n") ?? ""
            let how = status & 0x7f == 0 ? "with status \((status >> 8) & 0xff)" : "on signal \(status & 0x7f)"
            throw BenchError("the router exited \(how) before the run ended; the end of \(log):\n\(tail)")
        }
        return try result.get()
    }

    var residentBytes: Double? { BenchReport.residentBytes(pid: pid) }

    /// User and system CPU time the child used so far.
    var cpuSeconds: Double? { BenchReport.cpuSeconds(pid: pid) }
}

/// Where a spawned process writes: both streams appended to one log, or each truncated into a file.
enum SpawnOutput {
    case appending(to: String)
    case files(output: String, errors: String)
}

/// Starts `executable` with posix_spawn (standard input /dev/null) and returns its pid.
/// posix_spawn and ``waitForExit(_:)`` rather than Foundation's Process: its reaping missed a
/// script that had started a broker node in the background, and the chaos suite hung on it.
func spawn(_ executable: String, _ arguments: [String], environment: [String: String], output: SpawnOutput) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    switch output {
    case .appending(let log):
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
    case .files(let out, let errors):
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errors, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    }
    var argv = ([executable] + arguments).map { strdup($0) } + [nil]
    var env = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
        argv.forEach { free($0) }
        env.forEach { free($0) }
    }
    var pid: pid_t = 0
    let status = posix_spawn(&pid, executable, &actions, nil, &argv, &env)
    guard status == 0 else { throw BenchError("could not start \(executable): \(String(cString: strerror(status)))") }
    return pid
}

/// Waits (on a thread of its own) until `pid` exits; its wait status.
func waitForExit(_ pid: pid_t) async -> Int32 {
    await runOnThread {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return status
    }
}

/// A child's wait status, once a watcher saw it exit.
private final class ExitStatus: Sendable {
    let status = Mutex<Int32?>(nil)
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
