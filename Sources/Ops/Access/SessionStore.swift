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
/// them all (operators log in again). Failed logins per name are limited.
public final class SessionStore: Sendable {
    public let idleTimeout: Duration
    public let maximumAge: Duration
    /// Failed logins per name within `lockoutWindow` before further attempts are refused.
    public let maximumFailures: Int
    public let lockoutWindow: Duration

    private struct State {
        var sessions: [String: Session] = [:]
        var failures: [String: [ContinuousClock.Instant]] = [:]
    }

    private let state = Mutex(State())

    public init(
        idleTimeout: Duration = .seconds(30 * 60), maximumAge: Duration = .seconds(12 * 3600), maximumFailures: Int = 5,
        lockoutWindow: Duration = .seconds(15 * 60)
    ) {
        self.idleTimeout = idleTimeout
        self.maximumAge = maximumAge
        self.maximumFailures = maximumFailures
        self.lockoutWindow = lockoutWindow
    }

    public func create(for op: Operator) -> Session {
        let now = ContinuousClock.now
        let session = Session(token: Self.randomToken(), operator: op, csrfToken: Self.randomToken(), createdAt: now, lastSeen: now)
        state.withLock { state in
            state.sessions[session.token] = session
            state.failures[op.name] = nil
        }
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

    /// True when too many logins for this name failed recently.
    public func isLockedOut(_ name: String) -> Bool {
        let now = ContinuousClock.now
        return state.withLock { state in
            let recent = (state.failures[name] ?? []).filter { now - $0 < lockoutWindow }
            state.failures[name] = recent.isEmpty ? nil : recent
            return recent.count >= maximumFailures
        }
    }

    public func recordFailure(_ name: String) {
        state.withLock { $0.failures[name, default: []].append(.now) }
    }

    /// 32 bytes from the system's CSPRNG (getrandom), base64url without padding.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
