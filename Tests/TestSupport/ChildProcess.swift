import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A long-running child process (the router binary, say) that a test can signal, kill -9
/// and wait for. Output goes to a log file the test can show when something fails.
public final class ChildProcess: @unchecked Sendable {  // pid and paths are immutable after init
    public let pid: pid_t
    public let logFile: URL

    /// The drehscheibe executable built next to the test bundle.
    public static var drehscheibeBinary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("drehscheibe")
    }

    public init(_ executable: URL, _ arguments: [String], environment: [String: String], logName: String) throws {
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(logName)-\(UUID().uuidString.prefix(8)).log")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logFile.path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let env = merged.map { "\($0.key)=\($0.value)" }
        let argv = [executable.path] + arguments
        var pid: pid_t = 0
        var cArgv = argv.map { strdup($0) } + [nil]
        var cEnv = env.map { strdup($0) } + [nil]
        defer {
            cArgv.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        let status = posix_spawn(&pid, executable.path, &actions, nil, &cArgv, &cEnv)
        guard status == 0 else { throw TestBrokerError(message: "could not start \(executable.path): \(String(cString: strerror(status)))") }
        self.pid = pid
    }

    public func signal(_ signal: Int32) { kill(pid, signal) }

    /// Waits for the process to end; returns its exit status (128+signal when killed).
    @discardableResult
    public func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Waits up to `timeout` for the process to end; nil if it is still running.
    public func wait(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f) }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    public var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Waits until the process's log contains `text` (the process's own report that
    /// something happened); false when `timeout` passes first or the process ended.
    public func waitForLog(_ text: String, timeout: Duration = .seconds(30)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if log.contains(text) { return true }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { return log.contains(text) }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return log.contains(text)
    }
}
