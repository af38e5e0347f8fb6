import Foundation
import CaseModel

/// The bijection between the canonical member names of `Schemas/` (camelCase English) and the
/// element and member names of the agencies' native formats (German, as in XÖV standards),
/// with the kind of value each name carries where a format without types (XML, CSV) needs it.
public struct Vocabulary: Sendable {
    /// What a name holds, beyond string or object (which XML tells by content).
    public enum Kind: Sendable, Hashable {
        /// A string or an object.
        case value
        /// An array; in XML a wrapper element with one `item` element per entry.
        case list(item: String)
        case boolean
        case number
    }

    /// One name in both languages.
    public struct Term: Sendable, Hashable {
        public let canonical: String
        public let native: String
        public let kind: Kind
    }

    private let byCanonical: [String: Term]
    private let byNative: [String: Term]

    /// Builds a vocabulary; both sides must be unique.
    init(_ terms: [Term]) {
        var byCanonical: [String: Term] = [:]
        var byNative: [String: Term] = [:]
        for term in terms {
            precondition(byCanonical.updateValue(term, forKey: term.canonical) == nil, "duplicate canonical name \(term.canonical)")
            precondition(byNative.updateValue(term, forKey: term.native) == nil, "duplicate native name \(term.native)")
        }
        self.byCanonical = byCanonical
        self.byNative = byNative
    }

    /// Every term.
    public var terms: [Term] { byCanonical.values.sorted { $0.canonical < $1.canonical } }

    public func term(canonical name: String) -> Term? { byCanonical[name] }
    public func term(native name: String) -> Term? { byNative[name] }

    /// Renames every member of a canonical value to its native name (recursively).
    public func nativeValue(_ value: JSONValue, at path: String = "") throws(ConversionError) -> JSONValue {
        switch value {
        case .object(let object):
            var result = JSONObject()
            for (key, member) in object {
                guard let term = byCanonical[key] else {
                    throw ConversionError(.unknownField, "the native format has no name for the canonical member '\(key)'", at: "\(path)/\(key)")
                }
                result[term.native] = try nativeValue(member, at: "\(path)/\(key)")
            }
            return .object(result)
        case .array(let items):
            var result: [JSONValue] = []
            for (index, item) in items.enumerated() { result.append(try nativeValue(item, at: "\(path)/\(index)")) }
            return .array(result)
        default:
            return value
        }
    }

    /// Renames every member of a native value to its canonical name (recursively).
    public func canonicalValue(_ value: JSONValue, at path: String = "") throws(ConversionError) -> JSONValue {
        switch value {
        case .object(let object):
            var result = JSONObject()
            for (key, member) in object {
                guard let term = byNative[key] else {
                    throw ConversionError(.unknownField, "unknown field '\(key)'", at: "\(path)/\(key)")
                }
                result[term.canonical] = try canonicalValue(member, at: "\(path)/\(key)")
            }
            return .object(result)
        case .array(let items):
            var result: [JSONValue] = []
            for (index, item) in items.enumerated() { result.append(try canonicalValue(item, at: "\(path)/\(index)")) }
            return .array(result)
        default:
            return value
        }
    }
}
