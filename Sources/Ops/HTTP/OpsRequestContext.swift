import Hummingbird
import NIOCore

/// The request context of the operations API: Hummingbird's core context plus the session
/// the session middleware found for the request's cookie, and the client's address.
public struct OpsRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The logged-in operator's session, nil when there is none.
    public var session: Session?
    /// The TCP peer (behind a reverse proxy: the proxy).
    public let remoteAddress: SocketAddress?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.session = nil
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The logged-in operator, or 401.
    public func requireOperator() throws -> Operator {
        guard let session else { throw OpsError(.unauthenticated, "log in first") }
        return session.operator
    }

    /// The client's IP address as the login limits key it.
    var clientAddress: String { remoteAddress?.ipAddress ?? "unknown" }
}
