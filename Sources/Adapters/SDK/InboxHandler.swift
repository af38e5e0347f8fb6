import Foundation
import AMQP
import CaseModel

/// What an inbox consumer knows about a delivery besides the event.
public struct DeliveryContext: Sendable {
    /// The AMQP message_id (the event id).
    public var messageID: String
    /// The authenticated original sender, as the router vouches for it (`x-drehscheibe-sender`).
    public var sender: String?
    /// The data-minimisation projection the router applied (`x-drehscheibe-projection`).
    public var projection: String?
    /// True when the broker delivered it before (e.g. after a reconnect).
    public var redelivered: Bool
    /// 1 for the first try; higher when the handler failed before.
    public var attempt: Int
}

/// Receives the events routed to an agency. Both methods may throw: the consumer retries with
/// backoff and finally rejects the message, which the broker dead-letters; the error's
/// description is logged (not carried into the dead letter), so errors must not carry
/// personal data. A handler may see an event again after a crash (at-least-once):
/// make the effect idempotent, e.g. keyed by the message id.
public protocol InboxHandler: Sendable {
    /// A case event routed to this agency.
    func handle(_ event: CaseEvent, context: DeliveryContext) async throws
    /// A receipt for a message of this agency that the hub rejected.
    func onRejected(_ rejection: Rejection, context: DeliveryContext) async throws
}

/// An ``InboxHandler`` made of two closures.
public struct InboxHandlers: InboxHandler {
    private let events: @Sendable (CaseEvent, DeliveryContext) async throws -> Void
    private let rejections: @Sendable (Rejection, DeliveryContext) async throws -> Void

    public init(
        onEvent: @escaping @Sendable (CaseEvent, DeliveryContext) async throws -> Void,
        onRejected: @escaping @Sendable (Rejection, DeliveryContext) async throws -> Void
    ) {
        events = onEvent
        rejections = onRejected
    }

    public func handle(_ event: CaseEvent, context: DeliveryContext) async throws { try await events(event, context) }
    public func onRejected(_ rejection: Rejection, context: DeliveryContext) async throws { try await rejections(rejection, context) }
}
