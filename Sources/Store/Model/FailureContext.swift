import Foundation

/// Header names of a dead letter's failure context (Schemas/asyncapi.yaml, message
/// `drehscheibe.dead-letter`) and of replays.
public enum DeadLetterHeader {
    public static let errorCode = "x-drehscheibe-error-code"
    public static let errorDetail = "x-drehscheibe-error-detail"
    public static let stage = "x-drehscheibe-stage"
    public static let pointer = "x-drehscheibe-pointer"
    public static let reason = "x-drehscheibe-reason"
    public static let attempts = "x-drehscheibe-attempts"
    public static let firstFailure = "x-drehscheibe-first-failure"
    public static let lastFailure = "x-drehscheibe-last-failure"
    public static let originalExchange = "x-drehscheibe-original-exchange"
    public static let originalRoutingKey = "x-drehscheibe-original-routing-key"
    public static let routerVersion = "x-drehscheibe-router-version"
    /// The authenticated sender, carried when a trusted relay republishes under its own user.
    public static let sender = "x-drehscheibe-sender"
    /// Not `x-` prefixed, as the router writes it (`RouterHeader.retryTier`): a headers
    /// exchange ignores x- headers when matching.
    public static let retryTier = "drehscheibe-retry-tier"
    public static let replayed = "x-drehscheibe-replayed"
    public static let replayID = "x-drehscheibe-replay-id"
    /// Set by RabbitMQ when it dead-letters a message itself.
    public static let death = "x-death"
    /// Added by quorum queues on redelivery; not part of a message's identity.
    public static let deliveryCount = "x-delivery-count"
}

/// Why a message was dead-lettered, parsed from the `x-drehscheibe-*` headers, or from
/// RabbitMQ's `x-death` when the broker dead-lettered it (error code `internal`).
public struct FailureContext: Sendable, Hashable {
    /// A code of Schemas/codelists/error-code.json.
    public var errorCode: String
    /// The router's finer-grained reason code, when it gave one (e.g. `auth.source-mismatch`).
    public var errorDetail: String?
    /// The router stage: decode, authenticate, validate, dedupe, transform, route, deliver.
    public var stage: String?
    /// JSON pointer into the envelope where the first error is.
    public var pointer: String?
    /// Human-readable reason, without personal data (the router's contract).
    public var reason: String?
    public var attempts: Int?
    public var firstFailure: Date?
    public var lastFailure: Date?
    public var originalExchange: String?
    public var originalRoutingKey: String?
    public var routerVersion: String?
    /// True when RabbitMQ dead-lettered the message (x-death only), not the router.
    public var deadLetteredByBroker: Bool

    public init(
        errorCode: String, errorDetail: String? = nil, stage: String? = nil, pointer: String? = nil, reason: String? = nil,
        attempts: Int? = nil, firstFailure: Date? = nil, lastFailure: Date? = nil, originalExchange: String? = nil,
        originalRoutingKey: String? = nil, routerVersion: String? = nil, deadLetteredByBroker: Bool = false
    ) {
        self.errorCode = errorCode
        self.errorDetail = errorDetail
        self.stage = stage
        self.pointer = pointer
        self.reason = reason
        self.attempts = attempts
        self.firstFailure = firstFailure
        self.lastFailure = lastFailure
        self.originalExchange = originalExchange
        self.originalRoutingKey = originalRoutingKey
        self.routerVersion = routerVersion
        self.deadLetteredByBroker = deadLetteredByBroker
    }

    /// Reads the failure context from a dead letter's headers.
    public init(headers: [Header]) {
        if let code = headers[DeadLetterHeader.errorCode]?.stringValue {
            self.init(
                errorCode: code,
                errorDetail: headers[DeadLetterHeader.errorDetail]?.stringValue,
                stage: headers[DeadLetterHeader.stage]?.stringValue,
                pointer: headers[DeadLetterHeader.pointer]?.stringValue,
                reason: headers[DeadLetterHeader.reason]?.stringValue,
                attempts: headers[DeadLetterHeader.attempts]?.int64Value.map { Int(clamping: $0) },
                firstFailure: headers[DeadLetterHeader.firstFailure]?.stringValue.flatMap(Self.parseDate),
                lastFailure: headers[DeadLetterHeader.lastFailure]?.stringValue.flatMap(Self.parseDate),
                originalExchange: headers[DeadLetterHeader.originalExchange]?.stringValue,
                originalRoutingKey: headers[DeadLetterHeader.originalRoutingKey]?.stringValue,
                routerVersion: headers[DeadLetterHeader.routerVersion]?.stringValue)
        } else if let death = headers[DeadLetterHeader.death]?.arrayValue?.first?.tableValue {
            // x-death lists the most recent dead-lettering first.
            let queue = death["queue"]?.stringValue ?? "?"
            let why = death["reason"]?.stringValue ?? "unknown"
            let time = death["time"].flatMap { value -> Date? in
                if case .timestamp(let seconds) = value { return Date(timeIntervalSince1970: Double(seconds)) }
                return nil
            }
            self.init(
                errorCode: "internal",
                reason: "RabbitMQ dead-lettered the message from queue \(queue) (\(why)).",
                attempts: death["count"]?.int64Value.map { Int(clamping: $0) },
                firstFailure: time, lastFailure: time,
                originalExchange: death["exchange"]?.stringValue,
                originalRoutingKey: death["routing-keys"]?.arrayValue?.first?.stringValue,
                deadLetteredByBroker: true)
        } else {
            self.init(errorCode: "internal", reason: "The dead letter carries no failure context.")
        }
    }

    static func parseDate(_ text: String) -> Date? {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = withFraction.date(from: text) { return date }
        return ISO8601DateFormatter().date(from: text)
    }
}
