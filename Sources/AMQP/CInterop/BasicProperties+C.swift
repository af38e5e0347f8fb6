import CRabbitMQ
import Foundation

// amqp_basic_properties_t flag bits (AMQP 0-9-1 basic class property order).
private let contentTypeFlag: UInt32 = 1 << 15
private let contentEncodingFlag: UInt32 = 1 << 14
private let headersFlag: UInt32 = 1 << 13
private let deliveryModeFlag: UInt32 = 1 << 12
private let priorityFlag: UInt32 = 1 << 11
private let correlationIDFlag: UInt32 = 1 << 10
private let replyToFlag: UInt32 = 1 << 9
private let expirationFlag: UInt32 = 1 << 8
private let messageIDFlag: UInt32 = 1 << 7
private let timestampFlag: UInt32 = 1 << 6
private let typeFlag: UInt32 = 1 << 5
private let userIDFlag: UInt32 = 1 << 4
private let appIDFlag: UInt32 = 1 << 3
private let clusterIDFlag: UInt32 = 1 << 2

extension BasicProperties {
    /// Decodes librabbitmq's properties; `truncated` is set when the headers nested deeper than
    /// ``FieldTable/maximumNesting`` (those values became `.void`).
    init(_ p: amqp_basic_properties_t, truncated: inout Bool) {
        let flags = p._flags
        func string(_ flag: UInt32, _ bytes: amqp_bytes_t) -> String? { flags & flag != 0 ? bytes.string : nil }
        self.init(
            contentType: string(contentTypeFlag, p.content_type),
            contentEncoding: string(contentEncodingFlag, p.content_encoding),
            headers: flags & headersFlag != 0 ? FieldTable(p.headers, truncated: &truncated) : nil,
            deliveryMode: flags & deliveryModeFlag != 0 ? DeliveryMode(rawValue: p.delivery_mode) : nil,
            priority: flags & priorityFlag != 0 ? p.priority : nil,
            correlationID: string(correlationIDFlag, p.correlation_id),
            replyTo: string(replyToFlag, p.reply_to),
            expiration: string(expirationFlag, p.expiration),
            messageID: string(messageIDFlag, p.message_id),
            timestamp: flags & timestampFlag != 0 ? Date(timeIntervalSince1970: TimeInterval(p.timestamp)) : nil,
            type: string(typeFlag, p.type),
            userID: string(userIDFlag, p.user_id),
            appID: string(appIDFlag, p.app_id),
            clusterID: string(clusterIDFlag, p.cluster_id)
        )
    }

    /// A date as AMQP's unsigned seconds, saturating: a timestamp received as 2^64 - 1 (or
    /// any date out of range, NaN included) must be republished, not trap the process.
    static func wireSeconds(_ date: Date) -> UInt64 {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        guard seconds > 0 else { return 0 }  // also NaN
        return seconds < 18_446_744_073_709_551_616.0 ? UInt64(seconds) : .max
    }

    func encode(in arena: CArena) -> amqp_basic_properties_t {
        var p = amqp_basic_properties_t()
        var flags: UInt32 = 0
        func set(_ value: String?, _ flag: UInt32, _ target: inout amqp_bytes_t) {
            guard let value else { return }
            flags |= flag
            target = arena.string(value)
        }
        set(contentType, contentTypeFlag, &p.content_type)
        set(contentEncoding, contentEncodingFlag, &p.content_encoding)
        if let headers {
            flags |= headersFlag
            p.headers = headers.encode(in: arena)
        }
        if let deliveryMode {
            flags |= deliveryModeFlag
            p.delivery_mode = deliveryMode.rawValue
        }
        if let priority {
            flags |= priorityFlag
            p.priority = priority
        }
        set(correlationID, correlationIDFlag, &p.correlation_id)
        set(replyTo, replyToFlag, &p.reply_to)
        set(expiration, expirationFlag, &p.expiration)
        set(messageID, messageIDFlag, &p.message_id)
        if let timestamp {
            flags |= timestampFlag
            p.timestamp = Self.wireSeconds(timestamp)
        }
        set(type, typeFlag, &p.type)
        set(userID, userIDFlag, &p.user_id)
        set(appID, appIDFlag, &p.app_id)
        set(clusterID, clusterIDFlag, &p.cluster_id)
        p._flags = flags
        return p
    }
}
