import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs a program to completion with posix_spawn and waitpid, output captured in temporary
/// files. Foundation's `Process.waitUntilExit` was seen hanging inside the test runner; this
/// has no run loop and no signal handler to depend on.
public enum Command {
    public struct Result: Sendable {
        public var status: Int32
        public var output: String
        public var errorOutput: String
    }

    /// Runs `executable` with `arguments`; `directory` is its working directory (via
    /// `env -C`: posix_spawn_file_actions_addchdir_np is not visible from Swift here) and
    /// `input` its standard input.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        directory: String? = nil, input: String? = nil
    ) throws -> Result {
        let temporary = FileManager.default.temporaryDirectory
        let outPath = temporary.appendingPathComponent("cmd-\(UUID().uuidString).out").path
        let errPath = temporary.appendingPathComponent("cmd-\(UUID().uuidString).err").path
        let inPath = temporary.appendingPathComponent("cmd-\(UUID().uuidString).in").path
        defer {
            unlink(outPath)
            unlink(errPath)
            unlink(inPath)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let input {
            _ = FileManager.default.createFile(atPath: inPath, contents: Data(input.utf8))
            posix_spawn_file_actions_addopen(&actions, 0, inPath, O_RDONLY, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let program = directory == nil ? executable : "/usr/bin/env"
        let argv = directory.map { ["/usr/bin/env", "-C", $0, executable] + arguments } ?? [executable] + arguments
        var pid: pid_t = 0
        let status = withCStrings(argv) { argvPointers in
            withCStrings(env) { envPointers in
                posix_spawn(&pid, program, &actions, nil, argvPointers, envPointers)
            }
        }
        guard status == 0 else {
            throw TestBrokerError(message: "could not start \(executable): \(String(cString: strerror(status)))")
        }
        var waitStatus: Int32 = 0
        while waitpid(pid, &waitStatus, 0) == -1 && errno == EINTR {}
        let exited = (waitStatus & 0x7f) == 0
        let code = exited ? (waitStatus >> 8) & 0xff : 128 + (waitStatus & 0x7f)
        let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return Result(status: code, output: output, errorOutput: errors)
    }

    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        var pointers = strings.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        return pointers.withUnsafeMutableBufferPointer { body(UnsafePointer($0.baseAddress!)) }
    }
}
