/// A CSV table as the employment agency's batch exports write it: UTF-8 (an optional byte
/// order mark is skipped), `;` as separator (German spreadsheet convention), a header row,
/// fields quoted with `"` when they contain a separator, quote or line break (RFC 4180),
/// `\n` or `\r\n` line ends.
public struct CSVTable: Sendable, Hashable {
    public var columns: [String]
    public var rows: [[String]]

    public init(columns: [String], rows: [[String]]) {
        self.columns = columns
        self.rows = rows
    }

    public static let separator: Character = ";"

    /// Parses a table; every row must have as many fields as the header.
    public static func parse(_ bytes: [UInt8]) throws(ConversionError) -> CSVTable {
        guard bytes.count <= NativeDocument.maximumBytes else {
            throw ConversionError(.syntax, "the document has more than \(NativeDocument.maximumBytes) bytes")
        }
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        guard let text = String(validating: body, as: UTF8.self) else {
            throw ConversionError(.syntax, "the document is not UTF-8")
        }
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var atFieldStart = true
        var line = 1
        var iterator = text.makeIterator()
        var pending: Character? = nil
        func next() -> Character? {
            if let value = pending { pending = nil; return value }
            return iterator.next()
        }
        while let character = next() {
            if quoted {
                if character == "\"" {
                    if let following = next() {
                        if following == "\"" { field.append("\"") } else { quoted = false; pending = following }
                    } else {
                        quoted = false
                    }
                } else {
                    if character == "\n" || character == "\r\n" { line += 1 }
                    field.append(character)
                }
                continue
            }
            switch character {
            case "\"" where atFieldStart:
                quoted = true
                atFieldStart = false
            case "\"":
                throw ConversionError(.syntax, "a quote inside an unquoted field", at: "line \(line)")
            case separator:
                record.append(field)
                field = ""
                atFieldStart = true
            case "\n", "\r\n", "\r":
                record.append(field)
                if !(record.count == 1 && record[0].isEmpty) { records.append(record) }
                record = []
                field = ""
                atFieldStart = true
                line += 1
            default:
                field.append(character)
                atFieldStart = false
            }
        }
        if quoted { throw ConversionError(.syntax, "a quoted field is not closed", at: "line \(line)") }
        if !field.isEmpty || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        guard let header = records.first else { throw ConversionError(.syntax, "the table has no header row") }
        let columns = header.map { $0.trimmingCharacters(in: .whitespaces) }
        var seen = Set<String>()
        for column in columns where !seen.insert(column).inserted {
            throw ConversionError(.syntax, "the column '\(column)' occurs twice", at: "line 1")
        }
        var rows: [[String]] = []
        for (index, row) in records.dropFirst().enumerated() {
            guard row.count == columns.count else {
                throw ConversionError(.syntax, "\(row.count) fields where the header has \(columns.count)", at: "row \(index + 1)")
            }
            rows.append(row)
        }
        return CSVTable(columns: columns, rows: rows)
    }

    /// Writes the table with `\r\n` line ends (RFC 4180).
    public func serialized() -> [UInt8] {
        var out = ""
        for row in [columns] + rows {
            out += row.map(Self.quoted).joined(separator: String(Self.separator)) + "\r\n"
        }
        return Array(out.utf8)
    }

    /// The rows as column → value, without empty cells (for comparing tables by meaning).
    public var records: [[String: String]] {
        rows.map { row in
            var record: [String: String] = [:]
            for (column, value) in zip(columns, row) where !value.isEmpty { record[column] = value }
            return record
        }
    }

    private static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == separator || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

import Foundation
