import Foundation

/// One statutory period the hub keeps (Schemas/rules/deadlines.json): which request opens it,
/// how long it runs, who must act, what silence means, and the legal basis.
public struct DeadlineRule: Sendable, Hashable {
    public enum Unit: String, Sendable, Hashable { case days, weeks }

    /// How the period is counted: §§ 187–193 BGB (with § 31 VwVfG), or Regulation 1182/71 for
    /// EU law (the Visa Code). Both give the same last day for the periods here.
    public enum Counting: String, Sendable, Hashable {
        case bgb
        case eu118271 = "eu-1182-71"
    }

    public var id: String
    public var procedure: String
    public var opensWith: String
    public var appliesWhen: String?
    public var value: Int
    public var unit: Unit
    public var counting: Counting
    public var actor: String
    public var effectOfSilence: String
    public var legalBasis: String
    public var stoppedBy: [String]
    /// Types by which the requester withdraws its request, ending the period without an outcome.
    public var withdrawnBy: [String] = []
    public var preventedBy: String?
    /// The request's condition for the period (``appliesWhen`` as data); nil: always.
    public var when: Condition?
    /// Who must act.
    public var actors: Actors
    /// The versioned type the hub publishes when the period ends without an answer.
    public var deemedEvent: String
    /// The rule's code in codelists/legal-purpose.json, which the deemed outcome carries.
    public var citation: String

    /// A condition on the request: the member at `pointer` equals (or does not equal) a value.
    public struct Condition: Sendable, Hashable {
        public var pointer: JSONPointer
        public var value: JSONValue
        public var negated: Bool

        public func holds(in envelope: JSONValue) -> Bool {
            (envelope[pointer: pointer] == value) != negated
        }
    }

    /// Who must act on a request.
    public enum Actors: Sendable, Hashable {
        case agency(String)
        /// The agency a member of the request names.
        case named(JSONPointer)
        /// Each recipient of the request matching one of these patterns (one deadline each).
        case recipients([AgencyPattern])
    }

    /// The length in days.
    public var days: Int { unit == .weeks ? value * 7 : value }
}

/// The rules, the holidays and the agencies' seats, read from a Schemas/ directory.
public struct DeadlineRules: Sendable {
    public var rules: [DeadlineRule] { didSet { involved = Self.involved(rules) } }
    public var holidays: PublicHolidays
    public var seats: AgencySeats
    /// The unversioned types that open, answer or end a deadline (every other type is skipped at once).
    public private(set) var involved: Set<String>

    public init(rules: [DeadlineRule], holidays: PublicHolidays, seats: AgencySeats) {
        self.rules = rules
        self.holidays = holidays
        self.seats = seats
        involved = Self.involved(rules)
    }

    static func involved(_ rules: [DeadlineRule]) -> Set<String> {
        Set(rules.map(\.opensWith) + rules.flatMap(\.stoppedBy) + rules.flatMap(\.withdrawnBy) + rules.compactMap { EventTypeName($0.deemedEvent)?.name })
    }

    public func rule(_ id: String) -> DeadlineRule? { rules.first { $0.id == id } }

    /// Reads rules/deadlines.json, rules/holidays.json and codelists/agency-seat.json.
    public init(directory: URL) throws(DeadlineRulesError) {
        func read(_ path: String) throws(DeadlineRulesError) -> [UInt8] {
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(path).path) else {
                throw DeadlineRulesError("\(path) cannot be read")
            }
            return Array(data)
        }
        let holidays = try PublicHolidays(json: try read("rules/holidays.json"))
        let seats = try AgencySeats(json: try read("codelists/agency-seat.json"))
        let rules = try DeadlineRulesError.entries(try read("rules/deadlines.json"), file: "rules/deadlines.json").map { entry throws(DeadlineRulesError) in
            guard let id = entry["id"]?.stringValue,
                  let period = entry["period"]?.objectValue, let value = period["value"]?.numberValue?.int64Value, value > 0,
                  let unit = period["unit"]?.stringValue.flatMap(DeadlineRule.Unit.init(rawValue:)),
                  let counting = entry["counting"]?.stringValue.flatMap(DeadlineRule.Counting.init(rawValue:)),
                  let legalBasis = entry["legalBasis"]?.stringValue, let opensWith = entry["opensWith"]?.stringValue
            else { throw DeadlineRulesError("rules/deadlines.json: an entry lacks id, period {value, unit}, counting, opensWith or legalBasis") }
            guard let deemedEvent = entry["deemedEvent"]?.stringValue, let citation = entry["citation"]?.stringValue else {
                throw DeadlineRulesError("rules/deadlines.json: \(id) lacks deemedEvent or citation")
            }
            return DeadlineRule(
                id: id, procedure: entry["procedure"]?.stringValue ?? "", opensWith: opensWith, appliesWhen: entry["appliesWhen"]?.stringValue,
                value: Int(value), unit: unit, counting: counting, actor: entry["actor"]?.stringValue ?? "",
                effectOfSilence: entry["effectOfSilence"]?.stringValue ?? "", legalBasis: legalBasis,
                stoppedBy: entry["stoppedBy"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                withdrawnBy: entry["withdrawnBy"]?.arrayValue?.compactMap(\.stringValue) ?? [], preventedBy: entry["preventedBy"]?.stringValue,
                when: try Self.condition(entry["when"], rule: id), actors: try Self.actors(entry["actors"], rule: id), deemedEvent: deemedEvent,
                citation: citation)
        }
        self.init(rules: rules, holidays: holidays, seats: seats)
    }
}

extension DeadlineRules {
    static func condition(_ value: JSONValue?, rule: String) throws(DeadlineRulesError) -> DeadlineRule.Condition? {
        guard let object = value?.objectValue else { return nil }
        guard let pointer = object["pointer"]?.stringValue.flatMap(JSONPointer.init) else {
            throw DeadlineRulesError("rules/deadlines.json: \(rule): when needs a JSON pointer")
        }
        if let equals = object["equals"] { return .init(pointer: pointer, value: equals, negated: false) }
        if let other = object["notEquals"] { return .init(pointer: pointer, value: other, negated: true) }
        throw DeadlineRulesError("rules/deadlines.json: \(rule): when needs equals or notEquals")
    }

    static func actors(_ value: JSONValue?, rule: String) throws(DeadlineRulesError) -> DeadlineRule.Actors {
        let object = value?.objectValue ?? [:]
        if let agency = object["agency"]?.stringValue { return .agency(agency) }
        if let pointer = object["pointer"]?.stringValue.flatMap(JSONPointer.init) { return .named(pointer) }
        if let patterns = object["recipients"]?.arrayValue {
            let parsed = patterns.compactMap { $0.stringValue.flatMap(AgencyPattern.init) }
            guard parsed.count == patterns.count, !parsed.isEmpty else { throw DeadlineRulesError("rules/deadlines.json: \(rule): bad recipients patterns") }
            return .recipients(parsed)
        }
        throw DeadlineRulesError("rules/deadlines.json: \(rule): actors needs agency, pointer or recipients")
    }
}

/// A rules file that cannot be used.
public struct DeadlineRulesError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }

    static func entries(_ bytes: [UInt8], file: String) throws(DeadlineRulesError) -> [JSONObject] {
        let root: JSONValue
        do { root = try JSONValue(parsing: bytes) } catch { throw DeadlineRulesError("\(file) is not valid JSON: \(error)") }
        guard let entries = root.objectValue?["entries"]?.arrayValue else { throw DeadlineRulesError("\(file) has no entries") }
        return try entries.map { value throws(DeadlineRulesError) in
            guard let object = value.objectValue else { throw DeadlineRulesError("\(file): an entry is not an object") }
            return object
        }
    }
}
