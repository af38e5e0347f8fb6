import Adapters
import CaseModel
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Talks to an adapter's HTTP intake on 127.0.0.1 as an agency system (or a browser) would.
struct IntakeClient {
    let port: Int

    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: JSONValue?
    }

    /// Sends `method path` with `headers` (`nil` body: none); the reply's JSON body if any.
    func send(_ method: String = "POST", _ path: String = "/documents", headers: [String: String] = [:], body: [UInt8]? = nil) async throws -> Reply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body { request.httpBody = Data(body) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http?.allHeaderFields ?? [:] {
            if let name = name as? String, let value = value as? String { fields[name.lowercased()] = value }
        }
        return Reply(status: http?.statusCode ?? 0, headers: fields, body: data.isEmpty ? nil : try? JSONParser().parse(Array(data)))
    }

    /// Posts a document with the bearer token, as an agency system does.
    func post(_ document: NativeDocument, token: String, extra: [String: String] = [:]) async throws -> Reply {
        var headers = ["Content-Type": document.format.mediaType, "Authorization": "Bearer \(token)"]
        headers.merge(extra) { $1 }
        return try await send(headers: headers, body: document.bytes)
    }
}
