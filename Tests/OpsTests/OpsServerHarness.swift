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

/// A minimal HTTP client for the API: keeps the session cookie and the CSRF token.
final class OpsClient: @unchecked Sendable {
    struct Reply {
        var status: Int
        var data: Data
        var headers: [String: String]
        var json: Any? { try? JSONSerialization.jsonObject(with: data) }
        var text: String { String(decoding: data, as: UTF8.self) }
    }

    let baseURL: URL
    var cookie: String?
    var csrfToken: String?

    init(_ baseURL: URL) { self.baseURL = baseURL }

    func get(_ path: String) async throws -> Reply { try await send("GET", path, body: nil) }

    func post(_ path: String, _ body: Any, csrf: Bool = true, contentType: String = "application/json", origin: String? = nil) async throws -> Reply {
        try await send("POST", path, body: try JSONSerialization.data(withJSONObject: body), csrf: csrf, contentType: contentType, origin: origin)
    }

    @discardableResult
    func login(_ name: String, _ password: String? = nil) async throws -> Reply {
        let reply = try await post("/api/login", ["name": name, "password": password ?? OpsServerHarness.passwords[name]!], csrf: false)
        if reply.status == 200, let token = (reply.json as? [String: Any])?["csrfToken"] as? String { csrfToken = token }
        return reply
    }

    func send(_ method: String, _ path: String, body: Data?, csrf: Bool = true, contentType: String = "application/json", origin: String? = nil) async throws -> Reply {
        var request = URLRequest(url: URL(string: path, relativeTo: baseURL)!)
        request.httpMethod = method
        request.httpShouldHandleCookies = false
        if let body {
            request.httpBody = body
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        }
        if let cookie { request.setValue(cookie, forHTTPHeaderField: "Cookie") }
        if csrf, let csrfToken { request.setValue(csrfToken, forHTTPHeaderField: "X-CSRF-Token") }
        if let origin { request.setValue(origin, forHTTPHeaderField: "Origin") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields { headers[String(describing: key).lowercased()] = String(describing: value) }
        if let setCookie = headers["set-cookie"], let pair = setCookie.split(separator: ";").first {
            cookie = pair.hasSuffix("=") ? nil : String(pair)
        }
        return Reply(status: http.statusCode, data: data, headers: headers)
    }
}
