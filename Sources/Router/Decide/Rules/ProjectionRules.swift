import CaseModel
import Foundation

/// Need-to-know per recipient, fail closed (Datenminimierung, Art. 5 Abs. 1 lit. c DSGVO), from
/// Schemas/rules/projections.json: each grant names the recipients and types it covers, the
/// legal basis, and the fields of `data` it allows. The first grant matching a copy applies;
/// the copy keeps the envelope and only the allowed part of `data`, and names the grant's legal
/// basis as its `legalpurpose`. A copy no grant covers is not delivered: the router refuses it
/// (``RouterRules/load(from:)`` already refuses rules where a route reaches a recipient no grant
/// covers). Before, a copy no rule named went out whole, so a field added to a schema reached
/// every recipient nobody had thought of.
public struct ProjectionRules: Sendable {
    public struct Projection: Sendable {
        public var name: String
        public var recipients: [AgencyPattern]
        /// Event type names without version; `*` matches all.
        public var types: [String]
        /// A code of codelists/legal-purpose.json: the copy's `legalpurpose`.
        public var legalBasis: String
        /// Why the recipient may have these fields, for reviewers.
        public var reasoning: String
        /// The `allow` pointers as written.
        public var allowed: [String]
        /// Fields deliberately not sent (documentation; they never overlap `allowed`).
        public var withheld: [String]
        var fields: AllowedFields
        public var keepItems: [(array: [String], field: [String], allowed: Set<String>)]

        /// All of `data` allowed and no items filtered: the data goes as the sender wrote it.
        public var keepsAllData: Bool { fields.children["data"]?.whole == true && keepItems.isEmpty }

        func applies(to recipient: AgencyID?, type: String) -> Bool {
            guard let recipient else { return false }
            return (types.contains("*") || types.contains(type)) && recipients.contains { $0.matches(recipient) }
        }
    }

    public var projections: [Projection]

    public init(projections: [Projection]) {
        self.projections = projections
    }

    /// Parses the rules file; every error names what is wrong, so a bad reload is refused clearly.
    public init(json bytes: [UInt8]) throws(RulesError) {
        let root: JSONValue
        do { root = try JSONValue(parsing: bytes) } catch { throw RulesError("projections: not valid JSON (\(error))") }
        guard root["version"]?.numberValue?.int64Value == 2 else {
            throw RulesError("projections: version 2 expected (grants that allow fields; the version 1 format removed fields and sent the rest)")
        }
        guard let list = root["grants"]?.arrayValue else { throw RulesError("projections: missing array 'grants'") }
        var projections: [Projection] = []
        for (index, item) in list.enumerated() {
            projections.append(try Self.grant(item, at: "grants[\(index)]"))
        }
        let names = projections.map(\.name)
        guard Set(names).count == names.count else { throw RulesError("projections: grant names must be unique") }
        self.init(projections: projections)
    }

    private static func grant(_ item: JSONValue, at: String) throws(RulesError) -> Projection {
        guard let name = item["name"]?.stringValue, !name.isEmpty else { throw RulesError("\(at): missing name") }
        let at = "\(at) (\(name))"
        guard let recipients = item["recipients"]?.arrayValue?.compactMap(\.stringValue), !recipients.isEmpty else {
            throw RulesError("\(at): missing recipients")
        }
        var patterns: [AgencyPattern] = []
        for recipient in recipients {
            guard let pattern = AgencyPattern(recipient) else { throw RulesError("\(at): '\(recipient)' is not an agency id or pattern like abh.*") }
            patterns.append(pattern)
        }
        guard let types = item["types"]?.arrayValue?.compactMap(\.stringValue), !types.isEmpty else { throw RulesError("\(at): missing types") }
        guard let legalBasis = item["legalBasis"]?.stringValue, !legalBasis.isEmpty else { throw RulesError("\(at): missing legalBasis") }
        guard let reasoning = item["reasoning"]?.stringValue, !reasoning.isEmpty else { throw RulesError("\(at): missing reasoning") }
        func pointers(_ key: String) throws(RulesError) -> (texts: [String], tokens: [[String]]) {
            var texts: [String] = []
            var tokens: [[String]] = []
            for value in item[key]?.arrayValue ?? [] {
                guard let text = value.stringValue, let pointer = JSONPointer(text), pointer.tokens.first == "data" else {
                    throw RulesError("\(at): \(key) entries must be JSON pointers under /data")
                }
                texts.append(text)
                tokens.append(pointer.tokens)
            }
            return (texts, tokens)
        }
        let allow = try pointers("allow")
        guard !allow.tokens.isEmpty else { throw RulesError("\(at): allow names no field (a grant that allows nothing is a missing grant)") }
        let withhold = try pointers("withhold")
        let fields = AllowedFields(allow.tokens)
        for (text, tokens) in zip(withhold.texts, withhold.tokens) where fields.overlaps(tokens) {
            throw RulesError("\(at): \(text) is both withheld and allowed")
        }
        var keep: [(array: [String], field: [String], allowed: Set<String>)] = []
        for rule in item["keepItems"]?.arrayValue ?? [] {
            guard let array = rule["array"]?.stringValue.flatMap(JSONPointer.init), let field = rule["where"]?.stringValue.flatMap(JSONPointer.init),
                  let allowed = rule["in"]?.arrayValue?.compactMap(\.stringValue)
            else { throw RulesError("\(at): keepItems needs array, where (JSON pointers) and in") }
            guard array.tokens.first == "data" else { throw RulesError("\(at): keepItems arrays lie under /data") }
            keep.append((array.tokens, field.tokens, Set(allowed)))
        }
        return Projection(
            name: name, recipients: patterns, types: types, legalBasis: legalBasis, reasoning: reasoning, allowed: allow.texts,
            withheld: withhold.texts, fields: fields, keepItems: keep)
    }

    /// The grant for one copy, or nil when none covers it (the copy must not go out).
    public func projection(for recipient: String, type: String) -> Projection? {
        // Parsed once here, not once per pattern: this runs for every copy.
        let agency = AgencyID(recipient)
        return projections.first { $0.applies(to: agency, type: type) }
    }

    /// The envelope as `projection` lets it through: the envelope's attributes, of `data` only
    /// what the grant allows (then its item filters), and the grant's legal basis as
    /// `legalpurpose`.
    public func apply(_ projection: Projection, to envelope: JSONValue) -> JSONValue {
        guard case .object(var object) = envelope else { return envelope }
        if !projection.keepsAllData {
            var data = object["data"].flatMap { projection.fields.children["data"]?.filter($0) } ?? .object(JSONObject())
            for keep in projection.keepItems { data.keepItems(at: Array(keep.array.dropFirst()), where: keep.field, in: keep.allowed) }
            object["data"] = data
        }
        object["legalpurpose"] = .string(projection.legalBasis)
        return .object(object)
    }
}

/// A rules file that cannot be used; the message says where and why.
public struct RulesError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
