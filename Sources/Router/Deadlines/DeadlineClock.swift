import Foundation

/// The deadline service's "now": the system clock, or (for demonstrations and tests) the system
/// clock plus an offset read from a file each time, so a running hub can be moved ahead
/// without a restart. A missing or unreadable file counts as no offset.
public struct DeadlineClock: Sendable {
    private let read: @Sendable () -> Date

    public init(_ read: @escaping @Sendable () -> Date) { self.read = read }

    public func now() -> Date { read() }

    public static let system = DeadlineClock { Date() }

    /// The system clock plus the seconds in `path` (one number, e.g. `1296000` for 15 days).
    public static func offset(fromFile path: String) -> DeadlineClock {
        DeadlineClock {
            let text = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            let seconds = Double(text).flatMap { $0.isFinite ? min(max($0, -3.2e9), 3.2e9) : nil } ?? 0
            return Date().addingTimeInterval(seconds)
        }
    }
}
