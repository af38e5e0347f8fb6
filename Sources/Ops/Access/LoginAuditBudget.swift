/// How much of a flood of unauthenticated login attempts reaches the audit log: within each
/// window, the first `recordsPerWindow` failed logins are recorded one by one (who tried which
/// name, and the locks they started); every failure beyond that, and every attempt refused
/// without a password check (locked name or client, hashing busy), is only counted. When the
/// window is over, its counts become one summary record. So an attack costs the log at most
/// `recordsPerWindow + 1` records per window, and still shows in it.
///
/// A state machine over instants the caller passes, like ``LoginThrottle``.
public struct LoginAuditBudget: Sendable {
    /// An unauthenticated event.
    public enum Event: Sendable, Hashable {
        /// The password check failed (wrong password or unknown name).
        case failed
        /// Refused without a password check: the name or the client is locked.
        case refused(LoginThrottle.Scope)
        /// Refused without a password check: too many logins were being checked at once.
        case busy
    }

    public enum Decision: Sendable, Hashable {
        /// Write an audit record for this attempt.
        case record
        /// Counted for the window's summary; no record of its own.
        case counted
    }

    /// What a window held beyond its individual records.
    public struct Summary: Sendable, Hashable {
        /// How long the window ran (from its first event to its close).
        public var duration: Duration
        /// Failed password checks not recorded one by one.
        public var unrecordedFailures = 0
        public var refusedByName = 0
        public var refusedByClient = 0
        public var refusedBusy = 0
        /// Distinct names and clients among the counted attempts (at most `distinctLimit` each).
        public var names = 0
        public var clients = 0

        public var attempts: Int { unrecordedFailures + refusedByName + refusedByClient + refusedBusy }
    }

    public let window: Duration
    public let recordsPerWindow: Int
    /// Distinct names and clients remembered per window, for the summary's counts.
    public let distinctLimit: Int

    private var start: ContinuousClock.Instant?
    private var recorded = 0
    private var tally = Summary(duration: .zero)
    private var names: Set<String> = []
    private var clients: Set<String> = []

    public init(window: Duration, recordsPerWindow: Int, distinctLimit: Int = 1_000) {
        precondition(window > .zero && recordsPerWindow >= 0 && distinctLimit >= 0)
        self.window = window
        self.recordsPerWindow = recordsPerWindow
        self.distinctLimit = distinctLimit
    }

    /// Decides about one event; `summary` is the previous window's, when this event is the
    /// first after it ended (write it before this event's record).
    public mutating func admit(
        _ event: Event, name: String, client: String, at now: ContinuousClock.Instant
    ) -> (decision: Decision, summary: Summary?) {
        let summary = close(at: now)
        if start == nil { start = now }
        if event == .failed && recorded < recordsPerWindow {
            recorded += 1
            return (.record, summary)
        }
        switch event {
        case .failed: tally.unrecordedFailures += 1
        case .refused(.name): tally.refusedByName += 1
        case .refused(.client): tally.refusedByClient += 1
        case .busy: tally.refusedBusy += 1
        }
        if names.count < distinctLimit { names.insert(name) }
        if clients.count < distinctLimit { clients.insert(client) }
        return (.counted, summary)
    }

    /// Ends the window if it is over (or at once with `force`, at shutdown) and returns its
    /// summary when anything was only counted in it.
    public mutating func close(at now: ContinuousClock.Instant, force: Bool = false) -> Summary? {
        guard let start, force || now - start >= window else { return nil }
        var summary: Summary? = nil
        if tally.attempts > 0 {
            var result = tally
            result.duration = now - start
            result.names = names.count
            result.clients = clients.count
            summary = result
        }
        self.start = nil
        recorded = 0
        tally = Summary(duration: .zero)
        names = []
        clients = []
        return summary
    }
}
