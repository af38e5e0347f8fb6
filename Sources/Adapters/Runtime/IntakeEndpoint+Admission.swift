import CaseModel
import Foundation
import HTTPTypes
import Hummingbird

extension IntakeEndpoint {
    /// Whether the intake serves a request, decided from its headers before its body is read.
    ///
    /// The intake is for agency systems (curl, a Java or .NET HTTP client), never for
    /// browsers. A web page the clerk has open could otherwise make the browser POST a
    /// document to `127.0.0.1` with a cross-site "simple" request (a form, `fetch` with
    /// `no-cors`), which needs no CORS preflight. Two independent barriers stop that:
    ///
    /// - **Browsers are refused.** Browsers send `Origin` on every cross-origin request and
    ///   every POST, and `Sec-Fetch-Site` on every request; agency systems send neither. A
    ///   request with an `Origin`, or with a `Sec-Fetch-Site` other than `none` (a URL the
    ///   user typed), gets `403` on every path.
    /// - **`POST /documents` needs `Authorization: Bearer <token>`** (``IntakeToken``). A page
    ///   cannot set that header without a CORS preflight, which the intake never answers with
    ///   `Access-Control-Allow-*`, so the browser never sends the POST; and a page cannot know
    ///   the token. Missing or wrong: `401` with `WWW-Authenticate: Bearer`.
    ///
    /// `GET /health` (the agency and the spool's length, for readiness probes) needs no token.
    public enum Admission: Sendable, Hashable {
        case admitted
        /// `403`: the request comes from a browser (`Origin` or `Sec-Fetch-Site` present).
        case browser(Refusal)
        /// `401`: the token is missing, malformed or wrong.
        case unauthenticated(Refusal)

        public enum Refusal: Sendable, Hashable {
            case originPresent
            case fetchSite(String)
            case missingAuthorization
            case notBearer
            case wrongToken

            /// The reason given to the client (no header values, no token).
            public var reason: String {
                switch self {
                case .originPresent: "requests with an Origin header (from a browser) are refused; agency systems send none"
                case .fetchSite: "requests a browser makes on behalf of a web page (Sec-Fetch-Site) are refused"
                case .missingAuthorization: "send Authorization: Bearer <token> (the token is in the adapter's http.tokenFile or state/http-token)"
                case .notBearer: "the Authorization header must use the Bearer scheme"
                case .wrongToken: "the token is not this adapter's"
                }
            }
        }
    }

    /// The decision for a request with these header values; `token` nil: the path needs none.
    public static func admission(origin: String?, fetchSite: String?, authorization: String?, token: IntakeToken?) -> Admission {
        if origin != nil { return .browser(.originPresent) }
        if let fetchSite, fetchSite.lowercased() != "none" { return .browser(.fetchSite(fetchSite)) }
        guard let token else { return .admitted }
        guard let authorization else { return .unauthenticated(.missingAuthorization) }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return .unauthenticated(.notBearer) }
        return token.matches(parts[1].trimmingCharacters(in: .whitespaces)) ? .admitted : .unauthenticated(.wrongToken)
    }

    static let fetchSiteField = HTTPField.Name("Sec-Fetch-Site")!

    /// Applies ``admission(origin:fetchSite:authorization:token:)`` to every request, before a
    /// handler reads the body; the token to paths under `protected`.
    struct AdmissionMiddleware<Context: RequestContext>: RouterMiddleware {
        let token: IntakeToken
        let protected: String

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            let needsToken = request.uri.path == protected || request.uri.path.hasPrefix(protected + "/")
            let decision = IntakeEndpoint.admission(
                origin: request.headers[.origin], fetchSite: request.headers[IntakeEndpoint.fetchSiteField],
                authorization: request.headers[.authorization], token: needsToken ? token : nil)
            switch decision {
            case .admitted:
                return try await next(request, context)
            case .browser(let refusal):
                return IntakeEndpoint.json(.forbidden, ["reason": .string(refusal.reason)])
            case .unauthenticated(let refusal):
                var response = IntakeEndpoint.json(.unauthorized, ["reason": .string(refusal.reason)])
                response.headers[.wwwAuthenticate] = "Bearer realm=\"drehscheibe-adapter\""
                return response
            }
        }
    }
}
