import CaseModel
import Foundation

/// Why a message was dead-lettered: the router's `x-drehscheibe-*` headers, or RabbitMQ's
/// `x-death` when the broker dead-lettered it — as far as ``DeadLetterOrigin`` believes either.
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

    /// The failure context the router wrote (`x-drehscheibe-*`), bounds-checked: these headers
    /// are believed only on a letter the router published (``DeadLetterOrigin/router``).
    init(routerHeaders headers: [Header]) {
        func text(_ name: String, _ maximum: Int = 1_000) -> String? { headers[name]?.stringValue.map { String($0.prefix(maximum)) } }
        self.init(
            errorCode: text(HubHeader.errorCode, 64) ?? "internal",
            errorDetail: text(HubHeader.errorDetail, 128),
            stage: text(HubHeader.stage, 32),
            pointer: text(HubHeader.pointer),
            reason: text(HubHeader.reason, 4_000),
            attempts: headers[HubHeader.attempts]?.int64Value.map { Int(clamping: $0) },
            firstFailure: text(HubHeader.firstFailure, 64).flatMap(Self.parseDate),
            lastFailure: text(HubHeader.lastFailure, 64).flatMap(Self.parseDate),
            originalExchange: text(HubHeader.originalExchange, 255),
            originalRoutingKey: text(HubHeader.originalRoutingKey, 255),
            routerVersion: text(HubHeader.routerVersion, 64))
    }

    /// The newest `x-death` entry RabbitMQ wrote (it keeps the most recent dead-lettering first).
    struct Death {
        var queue: String
        var reason: String
        var count: Int?
        var time: Date?
        var exchange: String?
        var routingKey: String?
    }

    static func newestDeath(_ headers: [Header]) -> Death? {
        guard let entry = headers[HubHeader.death]?.arrayValue?.first?.tableValue, let queue = entry["queue"]?.stringValue else { return nil }
        let time: Date? = if case .timestamp(let seconds)? = entry["time"] { Date(timeIntervalSince1970: Double(seconds)) } else { nil }
        return Death(
            queue: String(queue.prefix(255)), reason: String((entry["reason"]?.stringValue ?? "unknown").prefix(64)),
            count: entry["count"]?.int64Value.map { Int(clamping: $0) }, time: time,
            exchange: entry["exchange"]?.stringValue.map { String($0.prefix(255)) },
            routingKey: entry["routing-keys"]?.arrayValue?.first?.stringValue.map { String($0.prefix(255)) })
    }

    /// The failure context of a message RabbitMQ dead-lettered itself, from its newest `x-death`
    /// entry: `delivery_limit` (a consumer took it this often without settling it: a crash
    /// loop), `rejected` (an adapter gave up on it), `expired`, or a full queue.
    init?(death: Death?) {
        guard let death else { return nil }
        let code: String
        let reason: String
        switch death.reason {
        case "delivery_limit":
            code = "delivery-limit"
            reason = "RabbitMQ dead-lettered the message from \(death.queue): it was delivered as often as the queue's delivery limit allows without being settled (its consumer crashed or gave up each time)."
        case "rejected":
            code = death.queue.hasPrefix("inbox.") ? "consumer-rejected" : "internal"
            reason = "The consumer of \(death.queue) rejected the message; RabbitMQ dead-lettered it."
        case "expired":
            code = "expired"
            reason = "The message expired in \(death.queue) before it was consumed; RabbitMQ dead-lettered it."
        default:
            code = "internal"
            reason = "RabbitMQ dead-lettered the message from queue \(death.queue) (\(death.reason))."
        }
        self.init(
            errorCode: code, errorDetail: "broker.\(death.reason)", reason: reason, attempts: death.count, firstFailure: death.time,
            lastFailure: death.time, originalExchange: death.exchange, originalRoutingKey: death.routingKey, deadLetteredByBroker: true)
    }

    static func parseDate(_ text: String) -> Date? {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = withFraction.date(from: text) { return date }
        return ISO8601DateFormatter().date(from: text)
    }
}
