import Foundation
import Synchronization

/// A logged-in operator's session.
public struct Session: Sendable, Hashable {
    public var token: String
    public var `operator`: Operator
    /// Sent back by the dashboard in `X-CSRF-Token` on every state-changing request; a page of
    /// another origin cannot read it, so it cannot forge those requests with the cookie.
    public var csrfToken: String
    public var createdAt: ContinuousClock.Instant
    public var lastSeen: ContinuousClock.Instant
}

/// Sessions in memory, keyed by a 256-bit random token (the HttpOnly cookie). They end on
/// logout, after `idleTimeout` without a request, or `maximumAge` after login; a restart ends
/// them all (operators log in again). Failed logins are limited by ``LoginGuard``.
public final class SessionStore: Sendable {
    public let idleTimeout: Duration
    public let maximumAge: Duration

    private struct State {
        var sessions: [String: Session] = [:]
    }

    private let state = Mutex(State())

    public init(idleTimeout: Duration = .seconds(30 * 60), maximumAge: Duration = .seconds(12 * 3600)) {
        self.idleTimeout = idleTimeout
        self.maximumAge = maximumAge
    }

    public func create(for op: Operator) -> Session {
        let now = ContinuousClock.now
        let session = Session(token: Self.randomToken(), operator: op, csrfToken: Self.randomToken(), createdAt: now, lastSeen: now)
        state.withLock { $0.sessions[session.token] = session }
        return session
    }

    /// The live session for a token, touched; nil if unknown or expired.
    public func session(for token: String) -> Session? {
        let now = ContinuousClock.now
        return state.withLock { state -> Session? in
            guard var session = state.sessions[token] else { return nil }
            guard now - session.lastSeen < idleTimeout, now - session.createdAt < maximumAge else {
                state.sessions[token] = nil
                return nil
            }
            session.lastSeen = now
            state.sessions[token] = session
            return session
        }
    }

    public func end(_ token: String) {
        _ = state.withLock { $0.sessions.removeValue(forKey: token) }
    }

    /// 32 bytes from the system's CSPRNG (getrandom), base64url without padding.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
