import CaseModel

/// Who wrote a dead letter: what decides how far its failure context and its sender are
/// believed, and whether it may be replayed.
///
/// RabbitMQ verifies `user_id` against the publishing connection, and agencies may write to
/// `case.ingress` only; so a letter in `dead.letters` was either published by the router
/// (`user_id` is the router's broker user) or dead-lettered by RabbitMQ itself from a hub
/// queue (its newest `x-death` entry names the queue; `user_id` is then the original
/// publisher's, verified when it published). Anything else — a misconfigured permission, a
/// hub user that is not the router — is stored, marked ``unknown``, and never replayed as anybody.
public enum DeadLetterOrigin: String, Sendable, Hashable, Codable, CaseIterable {
    /// Published by the router: its `x-drehscheibe-*` failure context and sender are the hub's.
    case router
    /// Dead-lettered by RabbitMQ from a hub queue (delivery limit, expiry, an adapter's
    /// rejection): the failure comes from `x-death`; a partner's own `x-drehscheibe-*` headers
    /// on it are not believed.
    case broker
    /// Neither: the failure context is not believed and the letter cannot be replayed.
    case unknown

    /// The queues the hub's dead-lettering policies cover (`deploy/rabbitmq/definitions.json`).
    public static let hubQueuePrefixes = ["router.ingress", "inbox.", "retry."]

    /// What a dead letter's properties say about where it came from, given the router's
    /// broker user: the origin, the failure context as far as it is believed, and the sender
    /// the hub vouches for (nil when none can be).
    public static func classify(_ properties: MessageProperties, routerUser: String) -> (origin: DeadLetterOrigin, failure: FailureContext, sender: String?) {
        let headers = properties.headers ?? []
        let death = FailureContext.newestDeath(headers)
        let fromHubQueue = death.map { death in hubQueuePrefixes.contains { death.queue.hasPrefix($0) } } ?? false
        if properties.userID == routerUser {
            let sender = headers[HubHeader.sender]?.stringValue.flatMap { AgencyID($0) }?.rawValue
            let failure = headers[HubHeader.errorCode]?.stringValue != nil
                ? FailureContext(routerHeaders: headers)
                : FailureContext(death: death) ?? FailureContext(errorCode: "internal", reason: "The router's message carries no failure context.")
            return (.router, failure, sender)
        }
        if fromHubQueue, let failure = FailureContext(death: death) {
            let sender = properties.userID.flatMap { AgencyID($0) }?.rawValue
            return (.broker, failure, sender)
        }
        let failure = FailureContext(
            errorCode: "not-from-hub",
            reason: "Neither the router wrote this dead letter nor RabbitMQ dead-lettered it from a hub queue (user_id \(properties.userID.map { "'\($0.prefix(64))'" } ?? "absent")); its failure context is not believed and it cannot be replayed.")
        return (.unknown, failure, nil)
    }
}
