import AMQP
import CaseModel
import Foundation
import TestSupport

/// Random AMQP properties and header tables as a hostile partner could publish them: every
/// field type (nested tables and arrays, decimals, floats with NaN and infinities, void, byte
/// arrays, the extremes of every integer type, timestamps up to 2^64 - 1), and names from the
/// hub's own namespace among ordinary ones.
struct WireFuzz {
    var random: SeededGenerator

    /// Names a partner might try: the hub's headers, RabbitMQ's, CloudEvents', sender-selected
    /// distribution, and random ones.
    static let interestingNames: [String] = [
        HubHeader.sender, HubHeader.pendingRecipients, HubHeader.attempts, HubHeader.firstFailure, HubHeader.retryTier,
        HubHeader.replayed, HubHeader.replayID, HubHeader.originalExchange, HubHeader.originalRoutingKey, HubHeader.errorCode,
        "X-Drehscheibe-Sender", HubHeader.death, HubHeader.deliveryCount, "x-first-death-queue", "CC", "BCC",
        "ce-subject", "ce-source", "ce-dueat", "traceparent", "x-match", "x-message-ttl",
    ]

    /// True for a name the generator picks from the hub's namespace.
    static func isHubName(_ name: String) -> Bool { HubHeader.isReserved(name) }

    mutating func int<T: FixedWidthInteger>(_ type: T.Type) -> T {
        switch Int.random(in: 0..<4, using: &random) {
        case 0: T.max
        case 1: T.min
        case 2: 0
        default: T.random(in: T.min...T.max, using: &random)
        }
    }

    mutating func double() -> Double {
        [Double.nan, .infinity, -.infinity, -0.0, .greatestFiniteMagnitude, .leastNonzeroMagnitude, Double.random(in: -1e300...1e300, using: &random)]
            .randomElement(using: &random)!
    }

    mutating func bytes(maximum: Int) -> [UInt8] {
        (0..<Int.random(in: 0...maximum, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
    }

    mutating func text(maximum: Int) -> String {
        switch Int.random(in: 0..<4, using: &random) {
        case 0: String(repeating: "9", count: Int.random(in: 0...maximum, using: &random))
        case 1: ["true", "false", "", "abh.berlin,bka", "bka", "drehscheibe-router", "9999-12-31T23:59:59Z", "-1", "NaN", "\u{0}", "ü€𝄞"]
                .randomElement(using: &random)!
        default: String(decoding: bytes(maximum: maximum), as: UTF8.self)
        }
    }

    /// A string that fits an AMQP short string (at most 255 bytes).
    mutating func shortString() -> String {
        var value = text(maximum: 255)
        while value.utf8.count > 255 { value.removeLast() }
        return value
    }

    mutating func name() -> String {
        if Bool.random(using: &random) { return Self.interestingNames.randomElement(using: &random)! }
        let name = String(text(maximum: 40).prefix(60))
        return name.isEmpty ? "k" : name
    }

    mutating func value(depth: Int) -> FieldValue {
        let kinds = depth > 0 ? 19 : 17
        switch Int.random(in: 0..<kinds, using: &random) {
        case 0: return .bool(Bool.random(using: &random))
        case 1: return .int8(int(Int8.self))
        case 2: return .uint8(int(UInt8.self))
        case 3: return .int16(int(Int16.self))
        case 4: return .uint16(int(UInt16.self))
        case 5: return .int32(int(Int32.self))
        case 6: return .uint32(int(UInt32.self))
        case 7: return .int64(int(Int64.self))
        case 8: return .float(Float(double()))
        case 9: return .double(double())
        case 10: return .decimal(scale: int(UInt8.self), value: int(UInt32.self))
        case 11, 12: return .string(text(maximum: 200))
        case 13: return .rawString([0xC3, 0x28] + bytes(maximum: 20))
        case 14: return .bytes(bytes(maximum: 200))
        case 15: return .timestamp(int(UInt64.self))
        case 16: return .void
        case 17: return .array((0..<Int.random(in: 0...4, using: &random)).map { _ in value(depth: depth - 1) })
        default: return .table(table(depth: depth - 1, entries: 4))
        }
    }

    mutating func table(depth: Int, entries: Int) -> FieldTable {
        FieldTable((0..<Int.random(in: 0...entries, using: &random)).map { _ in (name(), value(depth: depth)) })
    }

    /// Random edits of a partner's otherwise correct properties (user_id stays: RabbitMQ
    /// refuses any other). `hubHeaders` says whether a header in the hub's namespace was added.
    mutating func properties(_ base: BasicProperties) -> (properties: BasicProperties, hubHeaders: Bool) {
        var properties = base
        var headers = properties.headers ?? FieldTable()
        for (key, value) in table(depth: 3, entries: 8) { headers[key] = value }
        if Int.random(in: 0..<8, using: &random) == 0 {
            // A large table, to push a dead letter's headers past one frame.
            headers["x-big"] = .bytes([UInt8](repeating: 0x41, count: Int.random(in: 30_000...100_000, using: &random)))
        }
        properties.headers = headers
        if Bool.random(using: &random) { properties.timestamp = Date(timeIntervalSince1970: Double(int(UInt64.self))) }
        if Int.random(in: 0..<4, using: &random) == 0 { properties.priority = int(UInt8.self) }
        if Int.random(in: 0..<4, using: &random) == 0 { properties.correlationID = shortString() }
        if Int.random(in: 0..<4, using: &random) == 0 { properties.appID = shortString() }
        if Int.random(in: 0..<4, using: &random) == 0 { properties.clusterID = shortString() }
        if Int.random(in: 0..<6, using: &random) == 0 { properties.replyTo = shortString() }
        if Int.random(in: 0..<8, using: &random) == 0 { properties.deliveryMode = .transient }
        if Int.random(in: 0..<10, using: &random) == 0 { properties.messageID = nil }
        return (properties, headers.keys.contains(where: Self.isHubName))
    }
}
