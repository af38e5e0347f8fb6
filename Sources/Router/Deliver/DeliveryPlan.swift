import AMQP
import Store

/// What became of a message, as the metrics and logs name it.
enum DeliveryOutcome: String, Sendable, Hashable {
    case delivered
    /// Delivered before; acknowledged, nothing published.
    case duplicate
    /// Sent to a retry tier (a transient failure, or copies held back for a full inbox).
    case retried
    case deadLettered = "dead-lettered"
}

/// What one decision's transaction publishes and, once committed, records.
struct DeliveryPlan: Sendable {
    var outputs: [OutgoingMessage]
    /// For the routing ledger; nil for a duplicate or a retry (decided when it comes back).
    var record: RoutingRecord?
    var outcome: DeliveryOutcome
    var stage: Stage
    var failure: RouterFailure?
    /// The context as planned (first failure, attempts, the copies' context when routed).
    var context: MessageContext
}
