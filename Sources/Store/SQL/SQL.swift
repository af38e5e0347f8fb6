import Foundation

/// A value as both backends store it: SQLite's storage classes, which PostgreSQL columns of
/// the schema map onto one to one (BIGINT, DOUBLE PRECISION, TEXT, BYTEA).
enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// One statement with `?` placeholders and its arguments, in the dialect both backends
/// understand (the PostgreSQL session numbers the placeholders).
struct SQL: Sendable, ExpressibleByStringLiteral {
    var text: String
    var binds: [SQLValue]
    /// The statement runs often with this exact text: SQLite keeps it prepared (a cache per
    /// connection, so only for a bounded set of texts; never for generated multi-row inserts).
    var reused: Bool

    init(_ text: String, _ binds: [SQLValue] = [], reused: Bool = false) {
        self.text = text
        self.binds = binds
        self.reused = reused
    }

    init(stringLiteral value: String) { self.init(value) }

    /// `?, ?, ?` for an `IN (…)` list of `count` values.
    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }
}

/// One result row: column names and values in select order.
struct SQLRow: Sendable {
    var columns: [String]
    var values: [SQLValue]

    subscript(_ column: String) -> SQLValue {
        guard let index = columns.firstIndex(of: column) else { return .null }
        return values[index]
    }

    func int(_ column: String) throws -> Int64 {
        guard case .integer(let value) = self[column] else { throw StoreError.corrupted("column \(column) is not an integer") }
        return value
    }

    func optionalInt(_ column: String) -> Int64? {
        if case .integer(let value) = self[column] { return value }
        return nil
    }

    func double(_ column: String) -> Double? {
        switch self[column] {
        case .real(let value): value
        case .integer(let value): Double(value)
        default: nil
        }
    }

    func string(_ column: String) throws -> String {
        guard case .text(let value) = self[column] else { throw StoreError.corrupted("column \(column) is not text") }
        return value
    }

    func optionalString(_ column: String) -> String? {
        if case .text(let value) = self[column] { return value }
        return nil
    }

    func bytes(_ column: String) throws -> [UInt8] {
        switch self[column] {
        case .blob(let value): return value
        // SQLite hands back an empty blob as an empty text in some paths; treat it as no bytes.
        case .text(let value) where value.isEmpty: return []
        default: throw StoreError.corrupted("column \(column) is not a blob")
        }
    }

    func optionalBytes(_ column: String) -> [UInt8]? {
        if case .blob(let value) = self[column] { return value }
        return nil
    }

    func date(_ column: String) throws -> Date { Date(milliseconds: try int(column)) }

    func optionalDate(_ column: String) -> Date? { optionalInt(column).map(Date.init(milliseconds:)) }
}

extension SQLValue {
    init(_ value: String?) { self = value.map(SQLValue.text) ?? .null }
    init(_ value: Int64?) { self = value.map(SQLValue.integer) ?? .null }
    init(_ value: Int?) { self = value.map { .integer(Int64($0)) } ?? .null }
    init(_ value: Date?) { self = value.map { .integer($0.milliseconds) } ?? .null }
    init(_ value: Double?) { self = value.map(SQLValue.real) ?? .null }
    init(_ value: [UInt8]?) { self = value.map(SQLValue.blob) ?? .null }
    init(_ value: Bool) { self = .integer(value ? 1 : 0) }
}

extension Date {
    /// Both backends keep instants as integer milliseconds since the Unix epoch: exact, sortable
    /// and the same in SQLite and PostgreSQL (and in the audit hash).
    /// Saturating: a date read off the wire (an `x-death` time of 2^64 - 1 seconds, say) must be
    /// stored, not trap the process.
    var milliseconds: Int64 {
        let value = (timeIntervalSince1970 * 1000).rounded()
        if value.isNaN { return 0 }
        if value >= 9_223_372_036_854_775_807.0 { return .max }
        if value <= -9_223_372_036_854_775_808.0 { return .min }
        return Int64(value)
    }

    init(milliseconds: Int64) { self.init(timeIntervalSince1970: Double(milliseconds) / 1000) }
}
