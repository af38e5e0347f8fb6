import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A minimal HTTP client for the operations API: keeps the session cookie and the CSRF token.
public final class OpsClient: @unchecked Sendable {
    public struct Reply: Sendable {
        public var status: Int
        public var data: Data
        public var headers: [String: String]
        public var json: Any? { try? JSONSerialization.jsonObject(with: data) }
        public var text: String { String(decoding: data, as: UTF8.self) }
    }

    public let baseURL: URL
    public var cookie: String?
    public var csrfToken: String?

    /// Its own session without cookie storage: FoundationNetworking keys stored cookies by host,
    /// not port, so with `URLSession.shared` the session cookie of another test's server on
    /// 127.0.0.1 was sent along and this client's session looked logged out.
    private let session: URLSession

    public init(_ baseURL: URL) {
        self.baseURL = baseURL
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.httpCookieAcceptPolicy = .never
        configuration.httpShouldSetCookies = false
        session = URLSession(configuration: configuration)
    }

    public func get(_ path: String) async throws -> Reply { try await send("GET", path, body: nil) }

    public func post(_ path: String, _ body: Any, csrf: Bool = true, contentType: String = "application/json", origin: String? = nil) async throws -> Reply {
        try await send("POST", path, body: try JSONSerialization.data(withJSONObject: body), csrf: csrf, contentType: contentType, origin: origin)
    }

    @discardableResult
    public func login(_ name: String, password: String) async throws -> Reply {
        let reply = try await post("/api/login", ["name": name, "password": password], csrf: false)
        if reply.status == 200, let token = (reply.json as? [String: Any])?["csrfToken"] as? String { csrfToken = token }
        return reply
    }

    public func send(_ method: String, _ path: String, body: Data?, csrf: Bool = true, contentType: String = "application/json", origin: String? = nil) async throws -> Reply {
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
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields { headers[String(describing: key).lowercased()] = String(describing: value) }
        if let setCookie = headers["set-cookie"], let pair = setCookie.split(separator: ";").first {
            cookie = pair.hasSuffix("=") ? nil : String(pair)
        }
        return Reply(status: http.statusCode, data: data, headers: headers)
    }
}
