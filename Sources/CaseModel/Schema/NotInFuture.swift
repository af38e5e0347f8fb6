import Foundation

/// The `x-notInFuture` rule (Schemas/README.md): a date-time may not lie after now plus a
/// clock-skew tolerance; a date, or a partial date (`1987`, `1987-06`) by its first day, may
/// not lie after today's date in Germany (Europe/Berlin), where the files are kept.
enum NotInFuture {
    /// Producers' clocks may run a little ahead of the hub's.
    static let clockSkew: TimeInterval = 300

    /// True when `value` parses and lies in the future; unparsable values are left to
    /// `format`/`pattern` (one reason, one error).
    static func isInFuture(_ value: String, now: Date) -> Bool {
        let count = value.utf8.count
        if count == 4 || count == 7 || count == 10 {
            guard let date = firstDay(of: value) else { return false }
            return date > CalendarDate(berlin: now)
        }
        guard let moment = ZonedDateTime(rfc3339: value) else { return false }
        return moment.instant.timeIntervalSince(now) > clockSkew
    }

    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD` as the first day it covers.
    static func firstDay(of value: String) -> CalendarDate? {
        if value.utf8.count == 10 { return CalendarDate(rfc3339: value) }
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard parts[0].utf8.count == 4, let year = Int(parts[0]), parts[0].utf8.allSatisfy({ $0 &- 48 < 10 }) else { return nil }
        if parts.count == 1 { return CalendarDate(year: year, month: 1, day: 1) }
        guard parts.count == 2, parts[1].utf8.count == 2, parts[1].utf8.allSatisfy({ $0 &- 48 < 10 }),
              let month = Int(parts[1]) else { return nil }
        return CalendarDate(year: year, month: month, day: 1)
    }
}

extension CalendarDate {
    /// The calendar date in Germany at `instant`: UTC+1, UTC+2 in summer time (since 1996 from
    /// the last Sunday of March to the last Sunday of October, switching at 01:00 UTC). Computed
    /// rather than read from tzdata so validation does not depend on the host's zone files.
    init(berlin instant: Date) {
        let utc = CalendarDate(utc: instant)
        let seconds = Int(instant.timeIntervalSince1970.rounded(.down))
        let summerStart = CalendarDate.lastSunday(year: utc.year, month: 3).daysSinceEpoch * 86_400 + 3600
        let summerEnd = CalendarDate.lastSunday(year: utc.year, month: 10).daysSinceEpoch * 86_400 + 3600
        let offset = seconds >= summerStart && seconds < summerEnd ? 7200 : 3600
        self.init(utc: Date(timeIntervalSince1970: TimeInterval(seconds + offset)))
    }

    /// The last Sunday of a month.
    static func lastSunday(year: Int, month: Int) -> CalendarDate {
        let last = CalendarDate(year: year, month: month, day: daysInMonth(year: year, month: month))!
        // 1970-01-01 was a Thursday: weekday 0 = Sunday.
        let weekday = ((last.daysSinceEpoch + 4) % 7 + 7) % 7
        return CalendarDate(year: year, month: month, day: last.day - weekday)!
    }
}
