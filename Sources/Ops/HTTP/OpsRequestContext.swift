import Hummingbird

/// The request context of the operations API: Hummingbird's core context plus the session
/// the session middleware found for the request's cookie.
public struct OpsRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The logged-in operator's session, nil when there is none.
    public var session: Session?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.session = nil
    }

    /// The logged-in operator, or 401.
    public func requireOperator() throws -> Operator {
        guard let session else { throw OpsError(.unauthenticated, "log in first") }
        return session.operator
    }
}
