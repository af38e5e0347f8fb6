import Foundation

/// The public holidays of Schemas/rules/holidays.json: the nationwide ones and those of a Land
/// (or of a municipality in it) where an acting authority sits, for § 193 BGB.
public struct PublicHolidays: Sendable {
    public struct Holiday: Sendable, Hashable {
        public enum Date: Sendable, Hashable {
            /// The same month and day every year.
            case fixed(month: Int, day: Int)
            /// Days after Easter Sunday (negative: before).
            case easter(Int)
            /// The Wednesday before a month and day (Buß- und Bettag: before 23 November).
            case wednesdayBefore(month: Int, day: Int)
        }

        public var id: String
        public var nameDe: String
        public var date: Date
        /// Nil: every Land.
        public var lands: Set<String>?
        /// Municipalities by Land, where the holiday is local.
        public var municipalities: [String: Set<String>]
        public var since: Int?

        /// The day it falls on in `year`, if it applies that year.
        public func day(in year: Int) -> CivilDate? {
            if let since, year < since { return nil }
            switch date {
            case .fixed(let month, let day):
                return CivilDate(year: year, month: month, day: day)
            case .easter(let offset):
                return CivilDate.easterSunday(year).adding(days: offset)
            case .wednesdayBefore(let month, let day):
                let anchor = CivilDate(year: year, month: month, day: day)
                // Weekday 3 is Wednesday; strictly before the anchor.
                let back = (anchor.weekday - 3 + 7) % 7
                return anchor.adding(days: -(back == 0 ? 7 : back))
            }
        }

        /// True where an authority in `land` (and `municipality`) sits.
        public func applies(land: String?, municipality: String?) -> Bool {
            guard let lands else { return true }
            if let land, lands.contains(land) { return true }
            if let land, let municipality, municipalities[land]?.contains(municipality) == true { return true }
            return false
        }
    }

    public var holidays: [Holiday]

    /// The holidays on `day` where an authority in `land`/`municipality` sits (their names).
    public func names(on day: CivilDate, land: String?, municipality: String?) -> [String] {
        holidays.filter { $0.day(in: day.year) == day && $0.applies(land: land, municipality: municipality) }.map(\.nameDe)
    }

    public init(holidays: [Holiday]) { self.holidays = holidays }

    /// Reads Schemas/rules/holidays.json.
    public init(json bytes: [UInt8]) throws(DeadlineRulesError) {
        let entries = try DeadlineRulesError.entries(bytes, file: "rules/holidays.json")
        holidays = try entries.map { entry throws(DeadlineRulesError) in
            guard let id = entry["id"]?.stringValue, let name = entry["nameDe"]?.stringValue else {
                throw DeadlineRulesError("rules/holidays.json: every holiday needs an id and a nameDe")
            }
            let date: Holiday.Date
            if let fixed = entry["fixed"]?.stringValue, let (month, day) = Self.monthDay(fixed) {
                date = .fixed(month: month, day: day)
            } else if let offset = entry["easter"]?.numberValue?.int64Value {
                date = .easter(Int(offset))
            } else if let anchor = entry["weekdayBefore"]?.stringValue, let (month, day) = Self.monthDay(anchor) {
                date = .wednesdayBefore(month: month, day: day)
            } else {
                throw DeadlineRulesError("rules/holidays.json: \(id) needs fixed (MM-DD), easter (days) or weekdayBefore (MM-DD)")
            }
            let lands: Set<String>?
            if entry["lands"]?.stringValue == "all" {
                lands = nil
            } else {
                lands = Set(entry["lands"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            }
            var municipalities: [String: Set<String>] = [:]
            for (land, names) in entry["municipalities"]?.objectValue ?? [:] {
                municipalities[land] = Set(names.arrayValue?.compactMap(\.stringValue) ?? [])
            }
            return Holiday(
                id: id, nameDe: name, date: date, lands: lands, municipalities: municipalities,
                since: entry["since"]?.numberValue?.int64Value.map { Int($0) })
        }
    }

    static func monthDay(_ text: String) -> (Int, Int)? {
        let parts = text.split(separator: "-")
        guard parts.count == 2, let month = Int(parts[0]), let day = Int(parts[1]) else { return nil }
        return (month, day)
    }
}

/// Where an agency sits (Schemas/codelists/agency-seat.json): its Land and municipality.
public struct AgencySeats: Sendable {
    public struct Seat: Sendable, Hashable {
        public var land: String
        public var municipality: String?
    }

    public var seats: [String: Seat]

    public init(seats: [String: Seat]) { self.seats = seats }

    public init(json bytes: [UInt8]) throws(DeadlineRulesError) {
        var seats: [String: Seat] = [:]
        for entry in try DeadlineRulesError.entries(bytes, file: "codelists/agency-seat.json") {
            guard let code = entry["code"]?.stringValue, let land = entry["land"]?.stringValue else {
                throw DeadlineRulesError("codelists/agency-seat.json: every entry needs a code and a land")
            }
            seats[code] = Seat(land: land, municipality: entry["municipality"]?.stringValue)
        }
        self.seats = seats
    }

    /// The seat of `agency`; a Land agency (`lpol.by`, `lfv.by`, `ae.by`) sits in its Land.
    public func seat(of agency: String) -> Seat? {
        if let seat = seats[agency] { return seat }
        if let id = AgencyID(agency), AgencyID.landKinds.contains(id.kind), let land = id.instance {
            return Seat(land: "DE-" + land.uppercased(), municipality: nil)
        }
        return nil
    }
}
