import Foundation
import Synchronization

/// How many security incidents the router reports to the BSI one by one, per sending agency
/// and kind of incident, before it summarises: a pure state machine (``admit(_:messageID:now:)``
/// and ``due(now:)`` return what to report; the caller publishes).
///
/// Why: each forged or unauthorised message is an incident, and one agency flooding forged
/// headers put 77,000–95,000 incidents into the BSI's inbox in ten seconds (`bench neighbour`),
/// past its high-water mark, so the incidents of every other agency then waited. The first
/// ``perWindow`` incidents of a sender and kind in a window are reported singly; the rest are
/// counted, and when the window ends one incident reports them all (`occurrences`,
/// `firstSeenAt`, `lastSeenAt`, up to 100 message ids: the fields the incident event has for
/// this). Every message concerned is still dead-lettered on its own, so nothing is lost for
/// the record; the summary of a window whose process is killed before the window ends is lost.
struct IncidentBudget: Sendable {
    struct Key: Hashable, Sendable {
        var sender: String?
        var kind: String
    }

    /// One incident to report: a single one, or the summary of those held back.
    struct Report: Sendable, Equatable {
        var key: Key
        var occurrences: Int
        var firstSeen: Date
        var lastSeen: Date?
        var messageIDs: [String]
    }

    private struct Window {
        var start: Date
        var reported = 0
        var held = 0
        var firstHeld: Date?
        var lastHeld: Date?
        var heldIDs: [String] = []
    }

    /// Incidents per sender and kind reported singly in one window.
    var perWindow = 10
    var window: TimeInterval = 60
    /// Message ids an incident lists at most (the schema's maxItems).
    static let maximumMessageIDs = 100
    private var windows: [Key: Window] = [:]

    init(perWindow: Int = 10, window: TimeInterval = 60) {
        self.perWindow = perWindow
        self.window = window
    }

    /// An incident was detected: the report to publish now, or nil while it is held back.
    /// A window that ended with incidents held back is summarised by ``due(now:)``, not here.
    mutating func admit(_ key: Key, messageID: String, now: Date) -> Report? {
        var current = windows[key].flatMap { now.timeIntervalSince($0.start) < window ? $0 : nil } ?? Window(start: now)
        if let previous = windows[key], previous.start != current.start, previous.held > 0 {
            // Not yet summarised (no commit since the window ended): keep it for `due`.
            return heldBack(key, previous, then: &current, messageID: messageID, now: now)
        }
        defer { windows[key] = current }
        if current.reported < perWindow {
            current.reported += 1
            return Report(key: key, occurrences: 1, firstSeen: now, lastSeen: nil, messageIDs: [messageID])
        }
        current.held += 1
        current.firstHeld = current.firstHeld ?? now
        current.lastHeld = now
        if current.heldIDs.count < Self.maximumMessageIDs { current.heldIDs.append(messageID) }
        return nil
    }

    /// The summaries of every window that has ended with incidents held back; those windows
    /// are forgotten.
    mutating func due(now: Date) -> [Report] {
        var reports: [Report] = []
        for (key, window) in windows where now.timeIntervalSince(window.start) >= self.window {
            if let report = Self.summary(key, window) { reports.append(report) }
            windows[key] = nil
        }
        return reports.sorted { $0.firstSeen < $1.firstSeen }
    }

    /// A new window for `key` starts while the old one still holds incidents: the old one is
    /// summarised with this incident as its last, and the new window starts empty.
    private mutating func heldBack(_ key: Key, _ previous: Window, then current: inout Window, messageID: String, now: Date) -> Report? {
        var previous = previous
        previous.held += 1
        previous.lastHeld = now
        if previous.heldIDs.count < Self.maximumMessageIDs { previous.heldIDs.append(messageID) }
        windows[key] = current
        return Self.summary(key, previous)
    }

    private static func summary(_ key: Key, _ window: Window) -> Report? {
        guard window.held > 0, let first = window.firstHeld else { return nil }
        return Report(
            key: key, occurrences: window.held, firstSeen: first, lastSeen: window.held > 1 ? window.lastHeld : nil,
            messageIDs: window.heldIDs)
    }
}

/// The router's one ``IncidentBudget``, shared by its shards.
final class IncidentLedger: Sendable {
    private let budget: Mutex<IncidentBudget>

    init(_ budget: IncidentBudget = IncidentBudget()) { self.budget = Mutex(budget) }

    func admit(_ key: IncidentBudget.Key, messageID: String, now: Date) -> IncidentBudget.Report? {
        budget.withLock { $0.admit(key, messageID: messageID, now: now) }
    }

    func due(now: Date) -> [IncidentBudget.Report] { budget.withLock { $0.due(now: now) } }
}
