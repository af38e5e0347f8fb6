/// The size of a field table as AMQP 0-9-1 encodes it on the wire, computed without encoding:
/// the hub bounds what it carries on from a sender's headers by this figure (a content
/// header must fit into one frame).
extension FieldTable {
    /// Bytes of the table's encoding, including its 4-byte length prefix.
    public var encodedSize: Int {
        entries.reduce(4) { $0 + 1 + $1.key.utf8.count + $1.value.encodedSize }
    }
}

extension FieldValue {
    /// Bytes of the value's encoding, including its 1-byte type tag.
    public var encodedSize: Int {
        switch self {
        case .bool, .int8, .uint8: 2
        case .int16, .uint16: 3
        case .int32, .uint32, .float: 5
        case .int64, .double, .timestamp: 9
        case .decimal: 6
        case .string(let text): 5 + text.utf8.count
        case .rawString(let bytes), .bytes(let bytes): 5 + bytes.count
        case .array(let values): values.reduce(5) { $0 + $1.encodedSize }
        case .table(let table): 1 + table.encodedSize
        case .void: 1
        }
    }
}
