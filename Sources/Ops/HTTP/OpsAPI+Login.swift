import Foundation
import Hummingbird
import Logging
import Store

extension OpsAPI {
    /// `POST /api/login`. In this order, so that what an attacker can make the server do stays
    /// bounded:
    /// 1. a locked name or client is refused with 429 and Retry-After, before its password is
    ///    checked and without an audit record of its own (``LoginGuard``, ``LoginThrottle``);
    /// 2. the password is checked in a hashing slot (``PasswordHashing``), or refused with 503
    ///    and Retry-After when too many wait; a name that does not exist costs the same check
    ///    against a decoy hash (``OperatorDirectory``);
    /// 3. a failure counts towards the locks and is recorded within the audit budget
    ///    (``LoginAuditBudget``); beyond it, and for every refusal, a summary per window.
    ///
    /// The answer to a wrong password and to an unknown name is the same 401.
    func login(_ request: Request, _ context: OpsRequestContext) async throws -> Response {
        let body = try await request.decode(as: API.Login.self, context: context)
        let name = String(body.name.prefix(64))
        let client = context.clientAddress
        let (admission, summaries) = loginGuard.admit(name: name, client: client)
        try await appendAudit(summaries)
        if case .refused(_, let retryAfter) = admission {
            metrics.login("refused")
            throw LoginRefusal(reason: .throttled, retryAfter: retryAfter)
        }
        let operators = self.operators
        let password = body.password
        switch await hashing.run({ operators.authenticate(name: name, password: password) }) {
        case .busy:
            metrics.login("busy")
            try await appendAudit(loginGuard.busy(name: name, client: client))
            throw LoginRefusal(reason: .busy, retryAfter: .seconds(1))
        case .done(nil):
            metrics.login("failed")
            let (locks, entries) = loginGuard.failed(name: name, client: client)
            try await appendAudit(entries)
            for lock in locks {
                // No name and no address in the log: the audit record (within its budget) has them.
                context.logger.notice("failed logins locked a \(lock.scope.rawValue)", metadata: ["login.lock_seconds": "\(lock.duration.components.seconds)"])
            }
            throw OpsError(.unauthenticated, "wrong name or password")
        case .done(let op?):
            metrics.login("succeeded")
            loginGuard.succeeded(name: name)
            let session = sessions.create(for: op)
            try await operations.store.appendAudit(AuditEntry(actor: op.actor, action: "session.login", subject: "session"))
            var response = try jsonResponse(API.SessionInfo(session))
            response.setCookie(Cookie(
                name: SessionMiddleware.cookieName, value: session.token, maxAge: Int(sessions.maximumAge.components.seconds), path: "/",
                secure: configuration.secureCookies, httpOnly: true, sameSite: .strict))
            return response
        }
    }

    private func appendAudit(_ entries: [AuditEntry]) async throws {
        for entry in entries { try await operations.store.appendAudit(entry) }
    }
}
