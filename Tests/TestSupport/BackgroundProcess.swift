import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A program running next to the tests (chromedriver), started with posix_spawn like
/// `Command`, its output read line by line until it says it is ready, then drained.
public final class BackgroundProcess: @unchecked Sendable {
    public let pid: pid_t
    private let output: Int32
    private var terminated = false

    /// Starts `executable` and returns once a line of its output contains `readyLine`.
    public init(_ executable: String, _ arguments: [String], readyLine: String, timeout: TimeInterval = 30) throws {
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else { throw TestBrokerError(message: "pipe() failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 2)
        posix_spawn_file_actions_addclose(&actions, pipeFDs[0])
        // The test runner's threads block signals (libdispatch); a child inherits that mask and
        // would ignore SIGTERM. Start it with no signal blocked and default handlers.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let status = argv.withUnsafeBufferPointer { buffer in
            posix_spawn(&pid, executable, &actions, &attributes, UnsafeMutablePointer(mutating: buffer.baseAddress!), environ)
        }
        close(pipeFDs[1])
        guard status == 0 else {
            close(pipeFDs[0])
            throw TestBrokerError(message: "could not start \(executable): \(String(cString: strerror(status)))")
        }
        self.pid = pid
        self.output = pipeFDs[0]

        // Read until the ready line (the process's own signal), with a deadline via poll().
        var seen = ""
        let deadline = Date().addingTimeInterval(timeout)
        while !seen.contains(readyLine) {
            let remaining = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
            var descriptor = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            guard remaining > 0, poll(&descriptor, 1, remaining) > 0 else {
                terminate()
                throw TestBrokerError(message: "\(executable) did not get ready: \(seen.suffix(2000))")
            }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = read(output, &buffer, buffer.count)
            guard count > 0 else {
                terminate()
                throw TestBrokerError(message: "\(executable) exited: \(seen.suffix(2000))")
            }
            seen += String(decoding: buffer[0..<count], as: UTF8.self)
        }
        // Keep reading so the program never blocks on a full pipe.
        let fd = output
        detachThread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while read(fd, &buffer, buffer.count) > 0 {}
            close(fd)
        }
    }

    /// SIGTERM, then waits for it; SIGKILL if it is still there after five seconds.
    public func terminate() {
        guard !terminated else { return }
        terminated = true
        kill(pid, SIGTERM)
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(5)
        while waitpid(pid, &status, WNOHANG) == 0 {
            guard Date() < deadline else {
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                return
            }
            usleep(20_000)
        }
    }

    deinit { terminate() }
}
