import Foundation

/// A header value with its AMQP field type, so a stored dead letter can be republished with
/// exactly the headers it arrived with. Mirrors `AMQP.FieldValue` on purpose rather than
/// reusing it: the store links no C client, and this type's JSON form (below) is what is
/// stored, so it must not change when the client's types do. Ops converts between the two.
public indirect enum HeaderValue: Sendable, Hashable {
    case bool(Bool)
    case int8(Int8)
    case uint8(UInt8)
    case int16(Int16)
    case uint16(UInt16)
    case int32(Int32)
    case uint32(UInt32)
    case int64(Int64)
    case float(Float)
    case double(Double)
    case decimal(scale: UInt8, value: UInt32)
    case string(String)
    /// A long string whose bytes are not valid UTF-8.
    case rawString([UInt8])
    case bytes([UInt8])
    /// Seconds since the Unix epoch.
    case timestamp(UInt64)
    case array([HeaderValue])
    case table([Header])
    case void

    /// The text of `.string`, else nil.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// Any integer case widened to Int64.
    public var int64Value: Int64? {
        switch self {
        case .int8(let v): Int64(v)
        case .uint8(let v): Int64(v)
        case .int16(let v): Int64(v)
        case .uint16(let v): Int64(v)
        case .int32(let v): Int64(v)
        case .uint32(let v): Int64(v)
        case .int64(let v): v
        case .timestamp(let v): Int64(exactly: v)
        default: nil
        }
    }

    /// The entries of `.table`, else nil.
    public var tableValue: [Header]? {
        if case .table(let value) = self { return value }
        return nil
    }

    /// The items of `.array`, else nil.
    public var arrayValue: [HeaderValue]? {
        if case .array(let value) = self { return value }
        return nil
    }
}

/// One named header; a table is an ordered list of them (order is kept as received).
public struct Header: Sendable, Hashable, Codable {
    public var name: String
    public var value: HeaderValue

    public init(_ name: String, _ value: HeaderValue) {
        self.name = name
        self.value = value
    }
}

extension Array where Element == Header {
    /// The value of the first header called `name`.
    public subscript(name: String) -> HeaderValue? {
        first { $0.name == name }?.value
    }
}

/// Encoded as a one-member object naming the type, e.g. `{"int32": 5}` or `{"bytes": "AAE="}`,
/// so every AMQP type survives the round trip through JSON.
extension HeaderValue: Codable {
    private enum Key: String, CodingKey {
        case bool, int8, uint8, int16, uint16, int32, uint32, int64, float, double, decimal, string
        case rawString, bytes, timestamp, array, table, void
    }

    private struct Decimal: Codable {
        var scale: UInt8
        var value: UInt32
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        switch self {
        case .bool(let v): try container.encode(v, forKey: .bool)
        case .int8(let v): try container.encode(v, forKey: .int8)
        case .uint8(let v): try container.encode(v, forKey: .uint8)
        case .int16(let v): try container.encode(v, forKey: .int16)
        case .uint16(let v): try container.encode(v, forKey: .uint16)
        case .int32(let v): try container.encode(v, forKey: .int32)
        case .uint32(let v): try container.encode(v, forKey: .uint32)
        case .int64(let v): try container.encode(v, forKey: .int64)
        // Bit patterns: exact, and NaN or infinity survive JSON.
        case .float(let v): try container.encode(v.bitPattern, forKey: .float)
        case .double(let v): try container.encode(v.bitPattern, forKey: .double)
        case .decimal(let scale, let value): try container.encode(Decimal(scale: scale, value: value), forKey: .decimal)
        case .string(let v): try container.encode(v, forKey: .string)
        case .rawString(let v): try container.encode(Data(v).base64EncodedString(), forKey: .rawString)
        case .bytes(let v): try container.encode(Data(v).base64EncodedString(), forKey: .bytes)
        case .timestamp(let v): try container.encode(v, forKey: .timestamp)
        case .array(let v): try container.encode(v, forKey: .array)
        case .table(let v): try container.encode(v, forKey: .table)
        case .void: try container.encodeNil(forKey: .void)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        guard let key = container.allKeys.first, container.allKeys.count == 1 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a header value names exactly one type"))
        }
        func base64() throws -> [UInt8] {
            guard let data = Data(base64Encoded: try container.decode(String.self, forKey: key)) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not base64")
            }
            return [UInt8](data)
        }
        switch key {
        case .bool: self = .bool(try container.decode(Bool.self, forKey: key))
        case .int8: self = .int8(try container.decode(Int8.self, forKey: key))
        case .uint8: self = .uint8(try container.decode(UInt8.self, forKey: key))
        case .int16: self = .int16(try container.decode(Int16.self, forKey: key))
        case .uint16: self = .uint16(try container.decode(UInt16.self, forKey: key))
        case .int32: self = .int32(try container.decode(Int32.self, forKey: key))
        case .uint32: self = .uint32(try container.decode(UInt32.self, forKey: key))
        case .int64: self = .int64(try container.decode(Int64.self, forKey: key))
        case .float: self = .float(Float(bitPattern: try container.decode(UInt32.self, forKey: key)))
        case .double: self = .double(Double(bitPattern: try container.decode(UInt64.self, forKey: key)))
        case .decimal:
            let decimal = try container.decode(Decimal.self, forKey: key)
            self = .decimal(scale: decimal.scale, value: decimal.value)
        case .string: self = .string(try container.decode(String.self, forKey: key))
        case .rawString: self = .rawString(try base64())
        case .bytes: self = .bytes(try base64())
        case .timestamp: self = .timestamp(try container.decode(UInt64.self, forKey: key))
        case .array: self = .array(try container.decode([HeaderValue].self, forKey: key))
        case .table: self = .table(try container.decode([Header].self, forKey: key))
        case .void: self = .void
        }
    }
}
