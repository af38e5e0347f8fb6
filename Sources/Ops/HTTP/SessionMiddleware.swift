import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Store

/// Finds the session for the request's cookie and guards state-changing requests against
/// cross-site request forgery: every request that is not GET or HEAD must carry the
/// session's CSRF token in `X-CSRF-Token` and a JSON content type, and, if the browser sends
/// an `Origin`, come from this server's own origin. (The cookie is also `SameSite=Strict`.)
struct SessionMiddleware: RouterMiddleware {
    typealias Context = OpsRequestContext
    static let cookieName = "drehscheibe_session"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    let sessions: SessionStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let token = request.cookies[Self.cookieName]?.value {
            context.session = sessions.session(for: token)
        }
        if request.method != .get && request.method != .head {
            try Self.checkOrigin(request)
            guard request.headers[.contentType]?.hasPrefix("application/json") == true else {
                throw HTTPError(.unsupportedMediaType, message: "state-changing requests send JSON (Content-Type: application/json)")
            }
            // Logging in has no session yet; every other change needs the session's token.
            if request.uri.path != "/api/login" {
                guard let session = context.session else { throw OpsError(.unauthenticated, "log in first") }
                guard let sent = request.headers[Self.csrfHeader], Self.constantTimeEqual(sent, session.csrfToken) else {
                    throw HTTPError(.forbidden, message: "missing or wrong X-CSRF-Token")
                }
            }
        }
        return try await next(request, context)
    }

    /// A browser names the page's origin in `Origin`; it must be this server.
    static func checkOrigin(_ request: Request) throws {
        guard let origin = request.headers[.origin] else { return }
        guard let host = request.head.authority,
              origin == "http://\(host)" || origin == "https://\(host)"
        else { throw HTTPError(.forbidden, message: "cross-origin request refused") }
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for (p, q) in zip(x, y) { difference |= p ^ q }
        return difference == 0
    }
}

/// Headers that keep the dashboard from being framed, sniffed or made to run foreign scripts,
/// and keep API answers (which may hold personal data) out of caches.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[.contentSecurityPolicy] =
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        if request.uri.path.hasPrefix("/api/") { response.headers[.cacheControl] = "no-store" }
        return response
    }
}

/// Turns store and operations errors into JSON answers with the right status:
/// `{"error": {"code": "store.not-found", "message": "…"}}`.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as OpsError {
            let status: HTTPResponse.Status = switch error.code {
            case .forbidden: .forbidden
            case .unauthenticated: .unauthorized
            case .invalidRequest, .editFailed: .badRequest
            case .unavailable: .serviceUnavailable
            default: .internalServerError
            }
            return try Self.json(status, code: error.code.rawValue, message: error.context)
        } catch let error as StoreError {
            let status: HTTPResponse.Status = switch error.code {
            case .notFound: .notFound
            case .conflict: .conflict
            case .invalidArgument, .invalidLocation: .badRequest
            default: .internalServerError
            }
            if status == .internalServerError {
                context.logger.error("store failure", metadata: ["store.error": "\(error)"])
                return try Self.json(status, code: error.code.rawValue, message: "the store failed; see the server log")
            }
            return try Self.json(status, code: error.code.rawValue, message: error.context)
        } catch let error as JSONPatchError {
            return try Self.json(.badRequest, code: "ops.invalid-patch", message: error.message)
        }
    }

    static func json(_ status: HTTPResponse.Status, code: String, message: String) throws -> Response {
        try jsonResponse(ErrorBody(error: .init(code: code, message: message)), status: status)
    }
}

/// `{"error": {"code", "message"}}`.
struct ErrorBody: Encodable {
    struct Detail: Encodable {
        var code: String
        var message: String
    }

    var error: Detail
}

/// A JSON answer with ISO 8601 dates.
func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    encoder.outputFormatting = [.sortedKeys]
    let data = try encoder.encode(value)
    return Response(
        status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}
