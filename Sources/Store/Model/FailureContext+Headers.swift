import CaseModel
import Foundation

/// Reading the dead-letter contract (``CaseModel/FailureContext``) from a stored letter's
/// headers, and RabbitMQ's `x-death` for a letter the broker dead-lettered itself.
extension FailureContext {
    /// The failure context the router wrote (`x-drehscheibe-*`), bounds-checked: these headers
    /// are believed only on a letter the router published (``DeadLetterOrigin/router``).
    init(routerHeaders headers: [Header]) {
        self.init { name in
            switch headers[name] {
            case .string(let text)?: .text(text)
            case let value?: value.int64Value.map(HeaderField.integer)
            case nil: nil
            }
        }
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
}
