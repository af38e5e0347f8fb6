/// One input and what the stages decided about it: to deliver (routed), nothing to do (a
/// duplicate), or a failure to retry or dead-letter. What ``DeliveryPlanner`` plans from, without
/// the broker's delivery, so planning is tested without a broker.
///
/// A class: a decision is handed from the decide task to the transaction to the ledger, and
/// copying a struct of this many references (the inbound message, its properties, the context,
/// the routed copies) cost a retain each time.
final class Decision: Sendable {
    enum Kind: Sendable {
        case routed(Pipeline.Routed)
        /// Already delivered earlier (``Dedupe``).
        case duplicate
        /// Refused by a stage: dead-letter it (or retry it, when transient).
        case failed(RouterFailure)
    }

    let inbound: Inbound
    let context: MessageContext
    let kind: Kind

    init(inbound: Inbound, context: MessageContext, kind: Kind) {
        self.inbound = inbound
        self.context = context
        self.kind = kind
    }

    /// This decision, decided otherwise.
    func with(kind: Kind, context: MessageContext? = nil) -> Decision {
        Decision(inbound: inbound, context: context ?? self.context, kind: kind)
    }
}
