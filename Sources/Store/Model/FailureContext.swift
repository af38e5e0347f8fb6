import CaseModel
import Foundation

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
        if let code = headers[HubHeader.errorCode]?.stringValue {
            self.init(
                errorCode: code,
                errorDetail: headers[HubHeader.errorDetail]?.stringValue,
                stage: headers[HubHeader.stage]?.stringValue,
                pointer: headers[HubHeader.pointer]?.stringValue,
                reason: headers[HubHeader.reason]?.stringValue,
                attempts: headers[HubHeader.attempts]?.int64Value.map { Int(clamping: $0) },
                firstFailure: headers[HubHeader.firstFailure]?.stringValue.flatMap(Self.parseDate),
                lastFailure: headers[HubHeader.lastFailure]?.stringValue.flatMap(Self.parseDate),
                originalExchange: headers[HubHeader.originalExchange]?.stringValue,
                originalRoutingKey: headers[HubHeader.originalRoutingKey]?.stringValue,
                routerVersion: headers[HubHeader.routerVersion]?.stringValue)
        } else if let death = headers[HubHeader.death]?.arrayValue?.first?.tableValue {
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
