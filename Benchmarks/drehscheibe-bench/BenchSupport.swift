import AMQP
import CBenchLoop
import Foundation

/// Runs blocking work (the C baselines) on its own thread, off the concurrency pool.
func runOnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}

/// The broker a C baseline connects to, with C strings that live as long as this value.
final class CTarget: @unchecked Sendable {  // immutable after init; the strings are freed in deinit only
    let target: cbench_target
    private let strings: [UnsafeMutablePointer<CChar>]

    init(_ configuration: ConnectionConfiguration) throws {
        guard case .plain(let user, let password) = configuration.authentication else {
            throw AMQPError(.invalidConfiguration, context: "the C baseline logs in with a password")
        }
        let host = strdup(configuration.host)!, vhost = strdup(configuration.virtualHost)!
        let userC = strdup(user)!, passwordC = strdup(password)!
        strings = [host, vhost, userC, passwordC]
        target = cbench_target(host: host, port: Int32(configuration.port), vhost: vhost, user: userC, password: passwordC)
    }

    deinit { strings.forEach { free($0) } }
}

extension cbench_result {
    func checked(_ what: String) throws -> Double {
        guard status == 0 else {
            var error = self.error
            let text = withUnsafeBytes(of: &error) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            throw AMQPError(.library, context: "C baseline \(what): \(text)")
        }
        return Double(messages) / seconds
    }
}

extension ConnectionConfiguration {
    /// From `--amqp-url` or DREHSCHEIBE_AMQP_URL.
    static func fromEnvironment(_ url: String?) throws -> ConnectionConfiguration {
        guard let url = url ?? ProcessInfo.processInfo.environment["DREHSCHEIBE_AMQP_URL"] else {
            throw AMQPError(.invalidConfiguration, context: "no broker: pass --amqp-url or set DREHSCHEIBE_AMQP_URL (scripts/bench starts one)")
        }
        return try ConnectionConfiguration(url: url)
    }
}

/// A fresh SQLite store in the temporary directory for one benchmark run (the store the router
/// is deployed with), removed with its WAL and shared-memory files afterwards.
struct ScratchStore {
    let path: String

    init(name: String) {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(getpid()).sqlite").path
    }

    /// The `--store` argument for it.
    var location: String { "sqlite:\(path)" }

    func remove() {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}
