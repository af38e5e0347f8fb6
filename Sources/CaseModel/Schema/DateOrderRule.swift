/// "`earlier` must be strictly before `later`" for two date or date-time members of an object,
/// checked only when both are present and well-formed (format checks report the rest).
///
/// Two dates compare as days, two date-times as instants; a date against a date-time compares
/// the calendar date written in the date-time.
public struct DateOrderRule: Sendable, Hashable {
    public let earlier: String
    public let later: String

    public init(earlier: String, later: String) {
        self.earlier = earlier
        self.later = later
    }

    /// False when both members are comparable and out of order; true otherwise.
    public func isSatisfied(by object: JSONObject) -> Bool {
        guard case .string(let a)? = object[earlier], case .string(let b)? = object[later],
              let before = Self.isStrictlyBefore(a, b) else { return true }
        return before
    }

    /// Whether `a` is strictly before `b`; nil when either is neither an RFC 3339 date nor date-time.
    public static func isStrictlyBefore(_ a: String, _ b: String) -> Bool? {
        switch (Moment(a), Moment(b)) {
        case (.date(let x)?, .date(let y)?): return x < y
        case (.dateTime(let x)?, .dateTime(let y)?): return x.isBefore(y)
        case (.date(let x)?, .dateTime(let y)?): return x < y.date
        case (.dateTime(let x)?, .date(let y)?): return x.date < y
        default: return nil
        }
    }

    enum Moment {
        case date(CalendarDate)
        case dateTime(ZonedDateTime)

        init?(_ string: String) {
            if string.utf8.count == 10 {
                guard let date = CalendarDate(rfc3339: string) else { return nil }
                self = .date(date)
            } else {
                guard let dateTime = ZonedDateTime(rfc3339: string) else { return nil }
                self = .dateTime(dateTime)
            }
        }
    }
}
