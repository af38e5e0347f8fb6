import CaseModel
import Foundation

/// Data minimisation per recipient, loaded from Schemas/rules/projections.json: the first
/// projection whose recipients and event types match a copy is applied to it.
public struct ProjectionRules: Sendable {
    public struct Projection: Sendable {
        public var name: String
        public var recipients: [AgencyPattern]
        /// Event type names without version; `*` matches all.
        public var types: [String]
        public var keepItems: [(array: [String], field: [String], allowed: Set<String>)]
        public var remove: [[String]]

        func applies(to recipient: AgencyID?, type: String) -> Bool {
            guard let recipient else { return false }
            return (types.contains("*") || types.contains(type)) && recipients.contains { $0.matches(recipient) }
        }
    }

    public var projections: [Projection]
    /// The name recorded when no projection matches: the copy is complete.
    public var defaultName: String

    public static let identity = ProjectionRules(projections: [], defaultName: "full")

    public init(projections: [Projection], defaultName: String) {
        self.projections = projections
        self.defaultName = defaultName
    }

    /// Parses the rules file; every error names what is wrong, so a bad reload is refused clearly.
    public init(json bytes: [UInt8]) throws(RulesError) {
        let root: JSONValue
        do { root = try JSONValue(parsing: bytes) } catch { throw RulesError("projections: not valid JSON (\(error))") }
        guard let list = root["projections"]?.arrayValue else { throw RulesError("projections: missing array 'projections'") }
        var projections: [Projection] = []
        for (index, item) in list.enumerated() {
            let at = "projections[\(index)]"
            guard let name = item["name"]?.stringValue, !name.isEmpty else { throw RulesError("\(at): missing name") }
            guard let recipients = item["recipients"]?.arrayValue?.compactMap(\.stringValue), !recipients.isEmpty else {
                throw RulesError("\(at) (\(name)): missing recipients")
            }
            let types = item["types"]?.arrayValue?.compactMap(\.stringValue) ?? ["*"]
            var keep: [(array: [String], field: [String], allowed: Set<String>)] = []
            for rule in item["keepItems"]?.arrayValue ?? [] {
                guard let array = rule["array"]?.stringValue.flatMap(JSONPointer.init), let field = rule["where"]?.stringValue.flatMap(JSONPointer.init),
                    let allowed = rule["in"]?.arrayValue?.compactMap(\.stringValue)
                else { throw RulesError("\(at) (\(name)): keepItems needs array, where (JSON pointers) and in") }
                keep.append((array.tokens, field.tokens, Set(allowed)))
            }
            var remove: [[String]] = []
            for pointer in item["remove"]?.arrayValue ?? [] {
                guard let text = pointer.stringValue, let parsed = JSONPointer(text), !parsed.tokens.isEmpty else {
                    throw RulesError("\(at) (\(name)): remove entries must be non-empty JSON pointers")
                }
                guard parsed.tokens.first == "data" else {
                    throw RulesError("\(at) (\(name)): only /data may be projected, not \(text)")
                }
                remove.append(parsed.tokens)
            }
            var patterns: [AgencyPattern] = []
            for recipient in recipients {
                guard let pattern = AgencyPattern(recipient) else { throw RulesError("\(at) (\(name)): '\(recipient)' is not an agency id or pattern like abh.*") }
                patterns.append(pattern)
            }
            projections.append(Projection(name: name, recipients: patterns, types: types, keepItems: keep, remove: remove))
        }
        let names = projections.map(\.name)
        guard Set(names).count == names.count else { throw RulesError("projections: names must be unique") }
        self.init(projections: projections, defaultName: root["default"]?.stringValue ?? "full")
    }

    /// The projection for one copy, or nil when the copy is complete (``defaultName``).
    public func projection(for recipient: String, type: String) -> Projection? {
        // Parsed once here, not once per pattern: this runs for every copy.
        let agency = AgencyID(recipient)
        return projections.first { $0.applies(to: agency, type: type) }
    }

    /// The envelope with `projection` applied (unchanged for nil).
    public func apply(_ projection: Projection?, to envelope: JSONValue) -> JSONValue {
        guard let projection else { return envelope }
        var result = envelope
        for keep in projection.keepItems { result.keepItems(at: keep.array, where: keep.field, in: keep.allowed) }
        for pointer in projection.remove { result.remove(matching: pointer) }
        return result
    }
}

/// A rules file that cannot be used; the message says where and why.
public struct RulesError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
