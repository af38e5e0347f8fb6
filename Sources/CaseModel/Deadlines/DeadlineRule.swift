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
    public var preventedBy: String?

    /// The length in days.
    public var days: Int { unit == .weeks ? value * 7 : value }
}

/// The rules, the holidays and the agencies' seats, read from a Schemas/ directory.
public struct DeadlineRules: Sendable {
    public var rules: [DeadlineRule]
    public var holidays: PublicHolidays
    public var seats: AgencySeats

    public init(rules: [DeadlineRule], holidays: PublicHolidays, seats: AgencySeats) {
        self.rules = rules
        self.holidays = holidays
        self.seats = seats
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
        holidays = try PublicHolidays(json: try read("rules/holidays.json"))
        seats = try AgencySeats(json: try read("codelists/agency-seat.json"))
        rules = try DeadlineRulesError.entries(try read("rules/deadlines.json"), file: "rules/deadlines.json").map { entry throws(DeadlineRulesError) in
            guard let id = entry["id"]?.stringValue,
                  let period = entry["period"]?.objectValue, let value = period["value"]?.numberValue?.int64Value, value > 0,
                  let unit = period["unit"]?.stringValue.flatMap(DeadlineRule.Unit.init(rawValue:)),
                  let counting = entry["counting"]?.stringValue.flatMap(DeadlineRule.Counting.init(rawValue:)),
                  let legalBasis = entry["legalBasis"]?.stringValue, let opensWith = entry["opensWith"]?.stringValue
            else { throw DeadlineRulesError("rules/deadlines.json: an entry lacks id, period {value, unit}, counting, opensWith or legalBasis") }
            return DeadlineRule(
                id: id, procedure: entry["procedure"]?.stringValue ?? "", opensWith: opensWith, appliesWhen: entry["appliesWhen"]?.stringValue,
                value: Int(value), unit: unit, counting: counting, actor: entry["actor"]?.stringValue ?? "",
                effectOfSilence: entry["effectOfSilence"]?.stringValue ?? "", legalBasis: legalBasis,
                stoppedBy: entry["stoppedBy"]?.arrayValue?.compactMap(\.stringValue) ?? [], preventedBy: entry["preventedBy"]?.stringValue)
        }
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
