import Foundation

/// When a statutory period ends: a pure function of the rule, the time the hub received the
/// request, and where the acting authority sits.
///
/// §§ 187 Abs. 1, 188 BGB (applied by § 31 Abs. 1 VwVfG) and Art. 3 VO 1182/71 alike: the day
/// of receipt is not counted, the period ends at the end of its last day in Europe/Berlin, and
/// a last day that is a Saturday, a Sunday or a public holiday at the authority's seat moves to
/// the end of the next working day (§ 193 BGB, Art. 3 Abs. 4 VO 1182/71).
public struct LegalPeriod: Sendable, Hashable {
    /// A day the end moved past, and why.
    public struct Skipped: Sendable, Hashable {
        public var date: CivilDate
        public var reason: String
    }

    public var rule: DeadlineRule
    /// When the hub received the request.
    public var received: Date
    /// The day of receipt in Europe/Berlin (not counted).
    public var receivedOn: CivilDate
    /// The last day before § 193 BGB.
    public var nominalLastDay: CivilDate
    /// The last day: the period ends at its end.
    public var dueDate: CivilDate
    /// The last instant of `dueDate` in Europe/Berlin.
    public var due: Date
    public var skipped: [Skipped]
    /// Where the authority sits, nil when unknown (then nationwide holidays only).
    public var seat: AgencySeats.Seat?

    public static func compute(_ rule: DeadlineRule, received: Date, seat: AgencySeats.Seat?, holidays: PublicHolidays) -> LegalPeriod {
        let receivedOn = CivilDate(received)
        let nominal = receivedOn.adding(days: rule.days)
        var last = nominal
        var skipped: [Skipped] = []
        while true {
            let names = holidays.names(on: last, land: seat?.land, municipality: seat?.municipality)
            if !names.isEmpty {
                skipped.append(Skipped(date: last, reason: names.joined(separator: ", ")))
            } else if last.isWeekend {
                skipped.append(Skipped(date: last, reason: last.weekday == 6 ? "Samstag" : "Sonntag"))
            } else {
                break
            }
            last = last.adding(days: 1)
        }
        return LegalPeriod(
            rule: rule, received: received, receivedOn: receivedOn, nominalLastDay: nominal, dueDate: last,
            due: last.adding(days: 1).start.addingTimeInterval(-1), skipped: skipped, seat: seat)
    }

    /// An instant as RFC 3339 in Europe/Berlin, e.g. `2026-04-07T23:59:59+02:00`.
    public static func berlinTimestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = CivilDate.berlin
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
