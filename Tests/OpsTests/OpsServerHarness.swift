import Foundation
import Logging
import Ops
import Store
import TestSupport
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A running `ops serve` in-process on a free port: HTTP API and dashboard, the replay
/// coordinator publishing as `drehscheibe-ops`, and the dead-letter consumer on a test queue.
struct OpsServerHarness: Sendable {
    let baseURL: URL
    let store: HubStore

    static let passwords = ["ada": "ada-secret-1", "rey": "rey-secret-1", "vic": "vic-secret-1"]

    static func operators() throws -> OperatorDirectory {
        try OperatorDirectory([
            .init(name: "ada", role: .admin, passwordHash: PasswordHash.make(passwords["ada"]!, iterations: 1_000)),
            .init(name: "rey", role: .replayer, passwordHash: PasswordHash.make(passwords["rey"]!, iterations: 1_000)),
            .init(name: "vic", role: .viewer, passwordHash: PasswordHash.make(passwords["vic"]!, iterations: 1_000)),
        ])
    }

    /// Runs `body` against a server. `deadLetterQueue` starts the consumer on that queue, as the
    /// admin (test queues are private; `drehscheibe-ops` may read `dead.letters` only).
    static func run<T: Sendable>(
        store: HubStore, deadLetterQueue: String? = nil, loginGuard: LoginGuard = LoginGuard(),
        observe: @escaping @Sendable (DeadLetterConsumer.Stored) -> Void = { _ in },
        _ body: @escaping @Sendable (OpsServerHarness) async throws -> T
    ) async throws -> T {
        let logger = quietLogger("test.ops-serve")
        let components = try #require(URLComponents(string: try TestBroker.url(user: "drehscheibe-ops")))
        let queues = ManagementQueueInspector(
            baseURL: URL(string: "http://127.0.0.1:\(components.port! + 10000)")!, virtualHost: "drehscheibe",
            username: components.user!, password: components.password!)
        let server = OpsServer(
            operations: Operations(store: store, revalidator: try CaseSchemaRevalidator(directory: TestSchemas.directory), logger: logger),
            operators: try operators(), loginGuard: loginGuard, queues: queues, replayAMQP: try amqpConfiguration(as: "drehscheibe-ops"),
            consumerAMQP: try amqpConfiguration(),
            configuration: .init(
                host: "127.0.0.1", port: try freeLocalPort(), deadLetterQueue: deadLetterQueue,
                // Plain HTTP on 127.0.0.1 in tests.
                secureCookies: false, runsStore: false, handlesSignals: false),
            logger: logger, observeDeadLetters: observe)
        let (ready, signal) = AsyncStream<URL>.makeStream()
        let running = Task {
            defer { signal.finish() }
            try await server.run { signal.yield($0) }
        }
        defer { running.cancel() }
        let url = try await withDeadline(.seconds(60), "the ops server to become ready") {
            for await url in ready { return url }
            throw TestTimeout(what: "the ops server stopped")
        }
        return try await body(OpsServerHarness(baseURL: url, store: store))
    }
}

extension OpsClient {
    /// Logs in as one of the harness's operators (with its password unless another is given).
    @discardableResult
    func login(_ name: String, _ password: String? = nil) async throws -> Reply {
        try await login(name, password: password ?? OpsServerHarness.passwords[name]!)
    }
}
