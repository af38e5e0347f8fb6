import AMQP
import Foundation
import Store

/// Conversions between the AMQP client's property types and the store's copies of them,
/// lossless in both directions (every field type, header order kept).
extension MessageProperties {
    public init(_ properties: BasicProperties) {
        self.init(
            contentType: properties.contentType, contentEncoding: properties.contentEncoding,
            headers: properties.headers.map { $0.map { Header($0.key, HeaderValue($0.value)) } },
            deliveryMode: properties.deliveryMode?.rawValue, priority: properties.priority,
            correlationID: properties.correlationID, replyTo: properties.replyTo, expiration: properties.expiration,
            messageID: properties.messageID, timestamp: properties.timestamp, type: properties.type, userID: properties.userID,
            appID: properties.appID, clusterID: properties.clusterID)
    }
}

extension BasicProperties {
    public init(_ properties: MessageProperties) {
        self.init(
            contentType: properties.contentType, contentEncoding: properties.contentEncoding,
            headers: properties.headers.map { FieldTable($0.map { ($0.name, FieldValue($0.value)) }) },
            deliveryMode: properties.deliveryMode.flatMap(DeliveryMode.init(rawValue:)), priority: properties.priority,
            correlationID: properties.correlationID, replyTo: properties.replyTo, expiration: properties.expiration,
            messageID: properties.messageID, timestamp: properties.timestamp, type: properties.type, userID: properties.userID,
            appID: properties.appID, clusterID: properties.clusterID)
    }
}

extension HeaderValue {
    public init(_ value: FieldValue) {
        switch value {
        case .bool(let v): self = .bool(v)
        case .int8(let v): self = .int8(v)
        case .uint8(let v): self = .uint8(v)
        case .int16(let v): self = .int16(v)
        case .uint16(let v): self = .uint16(v)
        case .int32(let v): self = .int32(v)
        case .uint32(let v): self = .uint32(v)
        case .int64(let v): self = .int64(v)
        case .float(let v): self = .float(v)
        case .double(let v): self = .double(v)
        case .decimal(let scale, let v): self = .decimal(scale: scale, value: v)
        case .string(let v): self = .string(v)
        case .rawString(let v): self = .rawString(v)
        case .bytes(let v): self = .bytes(v)
        case .timestamp(let v): self = .timestamp(v)
        case .array(let v): self = .array(v.map(HeaderValue.init))
        case .table(let v): self = .table(v.map { Header($0.key, HeaderValue($0.value)) })
        case .void: self = .void
        }
    }
}

extension FieldValue {
    public init(_ value: HeaderValue) {
        switch value {
        case .bool(let v): self = .bool(v)
        case .int8(let v): self = .int8(v)
        case .uint8(let v): self = .uint8(v)
        case .int16(let v): self = .int16(v)
        case .uint16(let v): self = .uint16(v)
        case .int32(let v): self = .int32(v)
        case .uint32(let v): self = .uint32(v)
        case .int64(let v): self = .int64(v)
        case .float(let v): self = .float(v)
        case .double(let v): self = .double(v)
        case .decimal(let scale, let v): self = .decimal(scale: scale, value: v)
        case .string(let v): self = .string(v)
        case .rawString(let v): self = .rawString(v)
        case .bytes(let v): self = .bytes(v)
        case .timestamp(let v): self = .timestamp(v)
        case .array(let v): self = .array(v.map(FieldValue.init))
        case .table(let v): self = .table(FieldTable(v.map { ($0.name, FieldValue($0.value)) }))
        case .void: self = .void
        }
    }
}
