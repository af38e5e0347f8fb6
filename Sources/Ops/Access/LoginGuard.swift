import CaseModel
import Foundation
import Store
import Synchronization

/// The login limits of one server: ``LoginThrottle`` (who is refused before the password
/// check) and ``LoginAuditBudget`` (which attempts become audit records), behind one lock, on
/// a clock that tests replace. Each step returns what the login does next and the audit
/// entries to write; the caller writes them (I/O stays in the handler).
public final class LoginGuard: Sendable {
    /// The unauthenticated actor of the window summaries.
    public static let actor = AuditActor(name: "login-guard", role: "service")

    /// Whether an attempt may go on to the password check.
    public enum Admission: Sendable {
        case admitted
        /// Refused without checking the password; try again after `retryAfter`.
        case refused(LoginThrottle.Scope, retryAfter: Duration)
    }

    public let limits: LoginLimits
    private let now: @Sendable () -> ContinuousClock.Instant
    private let state: Mutex<(throttle: LoginThrottle, budget: LoginAuditBudget)>

    public init(limits: LoginLimits = LoginLimits(), clock: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.limits = limits
        self.now = clock
        self.state = Mutex((
            LoginThrottle(nameRule: limits.perName, clientRule: limits.perClient, capacity: limits.tracked),
            LoginAuditBudget(window: limits.auditWindow, recordsPerWindow: limits.auditedFailuresPerWindow)))
    }

    /// Before anything else: a locked name or client is refused (and only counted). The audit
    /// entries are a finished window's summary, if one is due.
    public func admit(name: String, client: String) -> (Admission, audit: [AuditEntry]) {
        let now = now()
        return state.withLock { state in
            let due = Self.entries(state.budget.close(at: now))
            switch state.throttle.gate(name: name, client: client, at: now) {
            case .open:
                return (.admitted, due)
            case .refused(let scope, let until):
                _ = state.budget.admit(.refused(scope), name: name, client: client, at: now)
                return (.refused(scope, retryAfter: until - now), due)
            }
        }
    }

    /// No hashing slot was free: only counted.
    public func busy(name: String, client: String) -> [AuditEntry] {
        let now = now()
        return state.withLock { state in
            Self.entries(state.budget.admit(.busy, name: name, client: client, at: now).summary)
        }
    }

    /// The password check failed: counts towards the locks; recorded one by one within the budget.
    public func failed(name: String, client: String) -> (locks: [LoginThrottle.Lock], audit: [AuditEntry]) {
        let now = now()
        return state.withLock { state in
            let locks = state.throttle.failed(name: name, client: client, at: now)
            let (decision, summary) = state.budget.admit(.failed, name: name, client: client, at: now)
            var entries = Self.entries(summary)
            if decision == .record {
                var details = JSONObject()
                for lock in locks {
                    details["locked\(lock.scope == .name ? "Name" : "Client")Seconds"] = .number(JSONNumber(lock.duration.components.seconds))
                }
                entries.append(AuditEntry(
                    actor: AuditActor(name: name, role: "unknown"), action: "session.login-failed", subject: "session",
                    details: .object(details)))
            }
            return (locks, entries)
        }
    }

    public func succeeded(name: String) {
        state.withLock { $0.throttle.succeeded(name: name) }
    }

    /// The summary of a window that is over (or, with `force`, of the current one: at shutdown).
    public func closeWindow(force: Bool = false) -> [AuditEntry] {
        let now = now()
        return state.withLock { Self.entries($0.budget.close(at: now, force: force)) }
    }

    static func entries(_ summary: LoginAuditBudget.Summary?) -> [AuditEntry] {
        guard let summary else { return [] }
        func number(_ value: Int) -> JSONValue { .number(JSONNumber(value)) }
        return [AuditEntry(
            actor: actor, action: "session.logins-summarised", subject: "session",
            reason: "login attempts beyond the audit budget, counted instead of recorded one by one",
            details: [
                "seconds": number(Int(summary.duration.components.seconds)), "attempts": number(summary.attempts),
                "failedUnrecorded": number(summary.unrecordedFailures), "refusedName": number(summary.refusedByName),
                "refusedClient": number(summary.refusedByClient), "refusedBusy": number(summary.refusedBusy),
                "names": number(summary.names), "clients": number(summary.clients),
            ])]
    }
}
