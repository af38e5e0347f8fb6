import Foundation

/// Why a message was dead-lettered: the one dead-letter contract. The router writes it as the
/// dead letter's `x-drehscheibe-*` headers (``headerFields``), the store reads it back from them
/// (``init(headerFields:)``) or from RabbitMQ's `x-death` when the broker dead-lettered the
/// message, and the CLI and the operations server show it as stored. Schemas/asyncapi.yaml
/// describes the headers; ``HubHeader`` names them.
public struct FailureContext: Sendable, Hashable, Codable {
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

    /// A header value of the contract: text or an integer.
    public enum HeaderField: Sendable, Hashable {
        case text(String)
        case integer(Int64)

        public var text: String? { if case .text(let value) = self { value } else { nil } }
        public var integer: Int64? { if case .integer(let value) = self { value } else { nil } }
    }

    /// The context as the dead letter's headers, in the order the router writes them (absent
    /// values are left out; dates in ISO 8601 with milliseconds).
    public var headerFields: [(name: String, value: HeaderField)] {
        var fields: [(String, HeaderField)] = [(HubHeader.errorCode, .text(errorCode))]
        func add(_ name: String, _ value: String?) { if let value { fields.append((name, .text(value))) } }
        add(HubHeader.errorDetail, errorDetail)
        add(HubHeader.stage, stage)
        add(HubHeader.pointer, pointer)
        add(HubHeader.reason, reason)
        if let attempts { fields.append((HubHeader.attempts, .integer(Int64(attempts)))) }
        add(HubHeader.firstFailure, firstFailure.map(Self.formatDate))
        add(HubHeader.lastFailure, lastFailure.map(Self.formatDate))
        add(HubHeader.originalExchange, originalExchange)
        add(HubHeader.originalRoutingKey, originalRoutingKey)
        add(HubHeader.routerVersion, routerVersion)
        return fields.map { (name: $0.0, value: $0.1) }
    }

    /// The context read back from a dead letter's headers (`field` looks one up by name),
    /// bounds-checked: the store believes them only on a letter the router published.
    public init(headerFields field: (String) -> HeaderField?) {
        func text(_ name: String, _ maximum: Int = 1_000) -> String? { field(name)?.text.map { String($0.prefix(maximum)) } }
        self.init(
            errorCode: text(HubHeader.errorCode, 64) ?? "internal",
            errorDetail: text(HubHeader.errorDetail, 128),
            stage: text(HubHeader.stage, 32),
            pointer: text(HubHeader.pointer),
            reason: text(HubHeader.reason, 4_000),
            attempts: field(HubHeader.attempts)?.integer.map { Int(clamping: $0) },
            firstFailure: text(HubHeader.firstFailure, 64).flatMap(Self.parseDate),
            lastFailure: text(HubHeader.lastFailure, 64).flatMap(Self.parseDate),
            originalExchange: text(HubHeader.originalExchange, 255),
            originalRoutingKey: text(HubHeader.originalRoutingKey, 255),
            routerVersion: text(HubHeader.routerVersion, 64))
    }

    public static func formatDate(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    public static func parseDate(_ text: String) -> Date? {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = withFraction.date(from: text) { return date }
        return ISO8601DateFormatter().date(from: text)
    }
}
