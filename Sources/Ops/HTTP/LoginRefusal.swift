import Foundation
import HTTPTypes
import Hummingbird

/// A login refused before its password was checked, with the time to wait in `Retry-After`:
/// 429 when the name or the client is locked, 503 when too many logins are being checked.
struct LoginRefusal: HTTPResponseError {
    enum Reason {
        case throttled
        case busy
    }

    let reason: Reason
    let retryAfter: Duration

    var status: HTTPResponse.Status { reason == .throttled ? .tooManyRequests : .serviceUnavailable }

    /// Whole seconds, rounded up, at least 1.
    var retryAfterSeconds: Int64 {
        let (seconds, attoseconds) = retryAfter.components
        return max(1, seconds + (attoseconds > 0 ? 1 : 0))
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let (code, message) = switch reason {
        case .throttled: ("ops.login-throttled", "too many failed logins for this name or from this address; try again in \(retryAfterSeconds) s")
        case .busy: ("ops.login-busy", "too many logins at once; try again in \(retryAfterSeconds) s")
        }
        var response = try jsonResponse(ErrorBody(error: .init(code: code, message: message)), status: status)
        response.headers[.retryAfter] = String(retryAfterSeconds)
        return response
    }
}
