import Foundation

/// An RFC 3339 `date-time` such as `2024-02-29T13:45:00.5+01:00`, kept with its offset.
/// Leap seconds (`:60`) are accepted only where UTC says 23:59:60.
public struct ZonedDateTime: Sendable, Hashable, CustomStringConvertible {
    /// The calendar date as written (local to ``offsetMinutes``).
    public let date: CalendarDate
    public let hour: Int
    public let minute: Int
    public let second: Int
    /// Fraction of the second in nanoseconds (digits beyond nine are dropped).
    public let nanosecond: Int
    /// Offset from UTC in minutes (`Z` is 0).
    public let offsetMinutes: Int

    /// Parses an RFC 3339 `date-time` (`T`/`Z` in either case); nil if malformed or impossible.
    public init?(rfc3339 string: String) {
        var copy = string
        guard let value = copy.withUTF8({ ZonedDateTime.parse($0) }) else { return nil }
        self = value
    }

    /// Parses the whole buffer as an RFC 3339 `date-time`.
    static func parse(_ buffer: UnsafeBufferPointer<UInt8>) -> ZonedDateTime? {
        guard let (date, end, _) = CalendarDate.parse(buffer, from: 0), end < buffer.count,
              buffer[end] | 0x20 == UInt8(ascii: "t"),
              let time = TimeOfDay.parse(buffer, from: end + 1), time.end == buffer.count else { return nil }
        return ZonedDateTime(date: date, time: time.time)
    }

    init(date: CalendarDate, time: TimeOfDay) {
        self.date = date
        hour = time.hour
        minute = time.minute
        second = time.second
        nanosecond = time.nanosecond
        offsetMinutes = time.offsetMinutes
    }

    /// Seconds since 1970-01-01T00:00:00Z (leap seconds fold onto the next second).
    public var epochSeconds: Int {
        date.daysSinceEpoch * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60
    }

    /// The instant as a Foundation `Date`.
    public var instant: Date {
        Date(timeIntervalSince1970: Double(epochSeconds) + Double(nanosecond) / 1e9)
    }

    /// Orders by instant, whatever the offsets.
    public func isBefore(_ other: ZonedDateTime) -> Bool {
        (epochSeconds, nanosecond) < (other.epochSeconds, other.nanosecond)
    }

    public var description: String {
        func pad(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let sign = offsetMinutes < 0 ? "-" : "+"
        let offset = offsetMinutes == 0 ? "Z" : "\(sign)\(pad(abs(offsetMinutes) / 60)):\(pad(abs(offsetMinutes) % 60))"
        return "\(date)T\(pad(hour)):\(pad(minute)):\(pad(second))\(offset)"
    }
}

/// RFC 3339 `full-time`: `HH:MM:SS[.frac](Z|±HH:MM)`.
struct TimeOfDay: Sendable, Hashable {
    var hour: Int
    var minute: Int
    var second: Int
    var nanosecond: Int
    var offsetMinutes: Int

    static func parse(_ string: String) -> TimeOfDay? {
        var copy = string
        return copy.withUTF8 { buffer in
            guard let parsed = parse(buffer, from: 0), parsed.end == buffer.count else { return nil }
            return parsed.time
        }
    }

    static func parse(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> (time: TimeOfDay, end: Int)? {
        var i = start
        guard let hour = CalendarDate.digits(b, i, 2), i + 2 < b.count, b[i + 2] == UInt8(ascii: ":"),
              let minute = CalendarDate.digits(b, i + 3, 2), i + 5 < b.count, b[i + 5] == UInt8(ascii: ":"),
              let second = CalendarDate.digits(b, i + 6, 2),
              hour <= 23, minute <= 59, second <= 60 else { return nil }
        i += 8
        var nanosecond = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            let fracStart = i
            var scale = 100_000_000
            while i < b.count, b[i] &- 48 < 10 {
                nanosecond += Int(b[i] &- 48) * scale
                scale /= 10
                i += 1
            }
            guard i > fracStart else { return nil }
        }
        guard i < b.count else { return nil }
        var offset = 0
        if b[i] | 0x20 == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let negative = b[i] == UInt8(ascii: "-")
            guard let oh = CalendarDate.digits(b, i + 1, 2), i + 3 < b.count, b[i + 3] == UInt8(ascii: ":"),
                  let om = CalendarDate.digits(b, i + 4, 2), oh <= 23, om <= 59 else { return nil }
            offset = (oh * 60 + om) * (negative ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        if second == 60 {
            let utcMinutes = ((hour * 60 + minute - offset) % 1440 + 1440) % 1440
            guard utcMinutes == 23 * 60 + 59 else { return nil }
        }
        return (TimeOfDay(hour: hour, minute: minute, second: second, nanosecond: nanosecond, offsetMinutes: offset), i)
    }
}
