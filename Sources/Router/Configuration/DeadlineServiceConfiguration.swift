import Foundation

/// How the hub keeps statutory periods (``DeadlineService``): where the router's notices go,
/// how often ended periods are looked for, and the clock.
public struct DeadlineServiceConfiguration: Sendable, Hashable {
    /// The queue the router's ``CaseModel/DeadlineNotice``s go to (bound on the deliver
    /// exchange with its own name as routing key); only the router's user may read or write it.
    public var queue = "hub.deadlines"
    /// Where the deemed outcomes are published: the router's own ingress, so they are
    /// validated, routed, projected, recorded and traced like every other message.
    public var ingressExchange = "case.ingress"
    /// How often ended periods are looked for.
    public var checkInterval: Duration = .seconds(1)
    /// How long after its end a period counts as ended without an answer: an answer the router
    /// delivered in the period's last seconds has this long to reach the store through the
    /// notice queue before the deemed outcome goes out.
    public var grace: Duration = .seconds(60)
    /// A claim older than this whose outcome was never marked (its service died) is taken over.
    public var claimLease: Duration = .seconds(300)
    /// A file holding seconds the service's clock runs ahead: for demonstrations only (scripts/up
    /// lets a two-week period end in a minute). Empty: the system clock. A non-empty value is
    /// logged as a warning at start.
    public var clockOffsetFile = ""

    public init() {}
}
