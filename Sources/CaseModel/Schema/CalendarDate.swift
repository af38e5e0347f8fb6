import Foundation

/// A proleptic Gregorian calendar date as RFC 3339 `full-date` writes it: `2024-02-29`.
public struct CalendarDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// A date, or nil when the day does not exist (e.g. 2023-02-29).
    public init?(year: Int, month: Int, day: Int) {
        guard (0...9999).contains(year), (1...12).contains(month),
              day >= 1, day <= CalendarDate.daysInMonth(year: year, month: month) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses exactly `YYYY-MM-DD` with ASCII digits and a day that exists.
    public init?(rfc3339 string: String) {
        var copy = string
        guard let date = copy.withUTF8({ CalendarDate.parse($0, from: 0).flatMap { $0.end == $0.buffer.count ? $0.date : nil } }) else {
            return nil
        }
        self = date
    }

    /// The UTC calendar date of `instant`.
    public init(utc instant: Date) {
        let days = Int((instant.timeIntervalSince1970 / 86_400).rounded(.down))
        let (y, m, d) = CalendarDate.civil(fromDays: days)
        year = y
        month = m
        day = d
    }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public var description: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let s = String(value)
            return String(repeating: "0", count: Swift.max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// Days since 1970-01-01.
    public var daysSinceEpoch: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Parses `YYYY-MM-DD` at `offset`; returns the date and where it ended.
    static func parse(_ buffer: UnsafeBufferPointer<UInt8>, from offset: Int)
        -> (date: CalendarDate, end: Int, buffer: UnsafeBufferPointer<UInt8>)?
    {
        guard offset + 10 <= buffer.count,
              let year = digits(buffer, offset, 4), buffer[offset + 4] == UInt8(ascii: "-"),
              let month = digits(buffer, offset + 5, 2), buffer[offset + 7] == UInt8(ascii: "-"),
              let day = digits(buffer, offset + 8, 2),
              let date = CalendarDate(year: year, month: month, day: day) else { return nil }
        return (date, offset + 10, buffer)
    }

    /// `count` ASCII digits at `offset` as a number.
    @inline(__always)
    static func digits(_ buffer: UnsafeBufferPointer<UInt8>, _ offset: Int, _ count: Int) -> Int? {
        guard offset + count <= buffer.count else { return nil }
        var value = 0
        for i in offset..<(offset + count) {
            let d = buffer[i] &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            value = value * 10 + Int(d)
        }
        return value
    }
}
