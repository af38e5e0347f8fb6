import CaseModel
import Foundation

extension NativeDocument {
    /// Whether two documents mean the same: JSON equal as JSON (member order, white space and
    /// escapes aside), XML equal as element trees (white space between elements, attribute
    /// order, namespace prefixes aside), CSV equal row by row as column → value (column order
    /// and empty cells aside). Documents of different formats, or unreadable ones, are not.
    public func isEquivalent(to other: NativeDocument) -> Bool {
        guard format == other.format else { return false }
        switch format {
        case .json:
            guard let a = try? JSONParser().parse(bytes), let b = try? JSONParser().parse(other.bytes) else { return false }
            return a == b
        case .xml:
            guard let a = try? XMLNode.parse(bytes), let b = try? XMLNode.parse(other.bytes) else { return false }
            return a == b
        case .csv:
            guard let a = try? CSVTable.parse(bytes), let b = try? CSVTable.parse(other.bytes) else { return false }
            return a.records == b.records
        }
    }
}
