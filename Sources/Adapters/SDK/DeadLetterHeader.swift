import Foundation
/// The `x-drehscheibe-*` headers of a dead letter (Schemas/asyncapi.yaml), as the router
/// writes them; an adapter uses the same names when its handler gives up on a message.
public enum DeadLetterHeader {
    public static let errorCode = "x-drehscheibe-error-code"
    public static let stage = "x-drehscheibe-stage"
    public static let reason = "x-drehscheibe-reason"
    public static let attempts = "x-drehscheibe-attempts"
    public static let firstFailure = "x-drehscheibe-first-failure"
    public static let lastFailure = "x-drehscheibe-last-failure"
    public static let originalExchange = "x-drehscheibe-original-exchange"
    public static let originalRoutingKey = "x-drehscheibe-original-routing-key"
    /// The agency whose handler failed (the dead letter's user_id says the same, verified).
    public static let consumer = "x-drehscheibe-consumer"
    /// Set by the router on deliveries: the authenticated original sender.
    public static let sender = "x-drehscheibe-sender"
    /// Set by the router on deliveries: the projection applied for this recipient.
    public static let projection = "x-drehscheibe-projection"

    /// The error code of a handler that failed every attempt.
    public static let handlerFailed = "handler-failed"
    /// The stage of a failure in an agency's consumer.
    public static let consumeStage = "consume"
}
