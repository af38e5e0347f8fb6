import CRabbitMQ

extension FieldTable {
    /// Tables and arrays nested deeper than this are not decoded: each value there becomes
    /// `.void`. A publisher can nest ~26,000 levels into one 128 KiB frame; held as Swift values
    /// that deep, merely comparing, encoding or freeing them recurses past a thread's stack.
    /// No header the hub or CloudEvents defines nests more than three levels (`x-death`).
    public static let maximumNesting = 32

    /// Decodes a librabbitmq table, copying everything out of librabbitmq's pool; sets
    /// `truncated` when values nested deeper than ``maximumNesting`` were left out.
    init(_ table: amqp_table_t, depth: Int = 1, truncated: inout Bool) {
        var entries: [(String, FieldValue)] = []
        entries.reserveCapacity(Int(table.num_entries))
        for index in 0..<Int(table.num_entries) {
            let entry = table.entries[index]
            entries.append((entry.key.string, FieldValue(entry.value, depth: depth, truncated: &truncated)))
        }
        self.init(entries)
    }

    func encode(in arena: CArena) -> amqp_table_t {
        let target = arena.allocate(amqp_table_entry_t.self, count: entries.count)
        for (index, entry) in entries.enumerated() {
            target[index] = amqp_table_entry_t(key: arena.string(entry.key), value: entry.value.encode(in: arena))
        }
        return amqp_table_t(num_entries: Int32(entries.count), entries: entries.isEmpty ? nil : target)
    }
}

extension FieldValue {
    /// Decodes one value at nesting `depth` (a table's entries are at its depth + 1).
    init(_ value: amqp_field_value_t, depth: Int, truncated: inout Bool) {
        let v = value.value
        switch UInt32(value.kind) {
        case AMQP_FIELD_KIND_BOOLEAN.rawValue: self = .bool(v.boolean != 0)
        case AMQP_FIELD_KIND_I8.rawValue: self = .int8(v.i8)
        case AMQP_FIELD_KIND_U8.rawValue: self = .uint8(v.u8)
        case AMQP_FIELD_KIND_I16.rawValue: self = .int16(v.i16)
        case AMQP_FIELD_KIND_U16.rawValue: self = .uint16(v.u16)
        case AMQP_FIELD_KIND_I32.rawValue: self = .int32(v.i32)
        case AMQP_FIELD_KIND_U32.rawValue: self = .uint32(v.u32)
        case AMQP_FIELD_KIND_I64.rawValue: self = .int64(v.i64)
        case AMQP_FIELD_KIND_U64.rawValue: self = v.u64 <= UInt64(Int64.max) ? .int64(Int64(v.u64)) : .timestamp(v.u64)
        case AMQP_FIELD_KIND_F32.rawValue: self = .float(v.f32)
        case AMQP_FIELD_KIND_F64.rawValue: self = .double(v.f64)
        case AMQP_FIELD_KIND_DECIMAL.rawValue: self = .decimal(scale: v.decimal.decimals, value: v.decimal.value)
        case AMQP_FIELD_KIND_UTF8.rawValue:
            let bytes = v.bytes.array
            if let string = String(validating: bytes, as: UTF8.self) {
                self = .string(string)
            } else {
                self = .rawString(bytes)
            }
        case AMQP_FIELD_KIND_BYTES.rawValue: self = .bytes(v.bytes.array)
        case AMQP_FIELD_KIND_TIMESTAMP.rawValue: self = .timestamp(v.u64)
        case AMQP_FIELD_KIND_TABLE.rawValue where depth >= FieldTable.maximumNesting, AMQP_FIELD_KIND_ARRAY.rawValue where depth >= FieldTable.maximumNesting:
            truncated = true
            self = .void
        case AMQP_FIELD_KIND_TABLE.rawValue: self = .table(FieldTable(v.table, depth: depth + 1, truncated: &truncated))
        case AMQP_FIELD_KIND_ARRAY.rawValue:
            let array = v.array
            var values: [FieldValue] = []
            values.reserveCapacity(Int(array.num_entries))
            for index in 0..<Int(array.num_entries) { values.append(FieldValue(array.entries[index], depth: depth + 1, truncated: &truncated)) }
            self = .array(values)
        default: self = .void
        }
    }

    func encode(in arena: CArena) -> amqp_field_value_t {
        var result = amqp_field_value_t()
        func kind(_ k: amqp_field_value_kind_t) { result.kind = UInt8(k.rawValue) }
        switch self {
        case .bool(let b): kind(AMQP_FIELD_KIND_BOOLEAN); result.value.boolean = b ? 1 : 0
        case .int8(let x): kind(AMQP_FIELD_KIND_I8); result.value.i8 = x
        case .uint8(let x): kind(AMQP_FIELD_KIND_U8); result.value.u8 = x
        case .int16(let x): kind(AMQP_FIELD_KIND_I16); result.value.i16 = x
        case .uint16(let x): kind(AMQP_FIELD_KIND_U16); result.value.u16 = x
        case .int32(let x): kind(AMQP_FIELD_KIND_I32); result.value.i32 = x
        case .uint32(let x): kind(AMQP_FIELD_KIND_U32); result.value.u32 = x
        case .int64(let x): kind(AMQP_FIELD_KIND_I64); result.value.i64 = x
        case .float(let x): kind(AMQP_FIELD_KIND_F32); result.value.f32 = x
        case .double(let x): kind(AMQP_FIELD_KIND_F64); result.value.f64 = x
        case .decimal(let scale, let value):
            kind(AMQP_FIELD_KIND_DECIMAL)
            result.value.decimal = amqp_decimal_t(decimals: scale, value: value)
        case .string(let s): kind(AMQP_FIELD_KIND_UTF8); result.value.bytes = arena.string(s)
        case .rawString(let b): kind(AMQP_FIELD_KIND_UTF8); result.value.bytes = arena.bytes(b)
        case .bytes(let b): kind(AMQP_FIELD_KIND_BYTES); result.value.bytes = arena.bytes(b)
        case .timestamp(let t): kind(AMQP_FIELD_KIND_TIMESTAMP); result.value.u64 = t
        case .table(let t): kind(AMQP_FIELD_KIND_TABLE); result.value.table = t.encode(in: arena)
        case .array(let values):
            kind(AMQP_FIELD_KIND_ARRAY)
            let target = arena.allocate(amqp_field_value_t.self, count: values.count)
            for (index, value) in values.enumerated() { target[index] = value.encode(in: arena) }
            result.value.array = amqp_array_t(num_entries: Int32(values.count), entries: values.isEmpty ? nil : target)
        case .void: kind(AMQP_FIELD_KIND_VOID)
        }
        return result
    }
}
