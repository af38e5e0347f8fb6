import CaseModel
import Foundation

/// One setting of the router's deployment file (deploy/router/router.json): its key, what it
/// means, and how a value is checked and applied to a ``RouterConfiguration``. The settings
/// are declared once, in ``all``: the file's parser, the command line's overrides and the
/// documentation check (RouterSettingsTests: every key in deploy/router/README.md and in the
/// deployed file) are derived from that table; the defaults are ``RouterConfiguration``'s.
public struct RouterSetting: Sendable {
    public let key: String
    /// One line for people; deploy/router/README.md says more.
    public let meaning: String
    let apply: @Sendable (JSONValue, inout RouterConfiguration) throws(SettingsError) -> Void

    /// The setting named `key`, or nil.
    public static func named(_ key: String) -> RouterSetting? { all.first { $0.key == key } }

    public static let all: [RouterSetting] = [
        strings("queues", "the shard queues to consume", \.queues),
        integer("prefetch", "unacknowledged inputs per shard", 1...65_535) { (configuration: inout RouterConfiguration, value: Int64) in
            configuration.prefetch = UInt16(value)
        },
        integer("transactionBytes", "output bytes one transaction carries at most", 1...Int64.max) { $0.transactionBytes = Int($1) },
        integer("ledgerIntervalMilliseconds", "the least time between two writes of the routing ledger", 0...10_000) {
            $0.ledgerInterval = .milliseconds($1)
        },
        // Below the in-memory dedupe's 100,000 ids, which must cover every unrecorded delivery.
        integer("ledgerBacklog", "committed decisions the ledger may be behind before commits wait", 100...50_000) { $0.ledgerBacklog = Int($1) },
        integer("inboxHighWater", "messages in an inbox at which copies for it are held back", 1...Int64.max) { $0.inboxHighWater = Int($1) },
        integer("deadLettersHighWater", "messages in dead.letters at which commits that may dead-letter wait", 1...Int64.max) {
            $0.deadLettersHighWater = Int($1)
        },
        string("brokerUser", "the router's broker user, user_id of what it publishes", \.pipeline.brokerUser),
        strings("trustedRelays", "broker users whose hub headers are believed (the router's retries, replays)", allowEmpty: true) {
            $0.pipeline.trustedRelays = Set($1)
        },
        string("deliverExchange", "where copies go", \.deliverExchange),
        string("deadExchange", "where dead letters go", \.deadExchange),
        string("retryExchange", "where retries go", \.retryExchange),
        strings("retryTiers", "the retry queues a transient failure waits in, in order", \.retry.tiers),
        integer("maximumAttempts", "attempts in all before a transient failure is dead-lettered", 1...100) { $0.retry.maximumAttempts = Int($1) },
        string("deadlineQueue", "where the router's deadline notices go (the deadline service reads them)", \.deadlines.queue),
        string("ingressExchange", "where the deadline service publishes deemed outcomes", \.deadlines.ingressExchange),
        integer("deadlineGraceSeconds", "how long after its end a period counts as ended without an answer", 0...86_400) {
            $0.deadlines.grace = .seconds($1)
        },
        integer("deadlineClaimLeaseSeconds", "after how long another instance takes over an unfinished deemed outcome", 10...86_400) {
            $0.deadlines.claimLease = .seconds($1)
        },
        RouterSetting(key: "deadlineClockOffsetFile", meaning: "demonstrations only: a file of seconds the deadline clock runs ahead (\"\" for the system clock)") {
            (value: JSONValue, configuration: inout RouterConfiguration) throws(SettingsError) in
            guard let text = value.stringValue else { throw SettingsError("deadlineClockOffsetFile must be a string") }
            configuration.deadlines.clockOffsetFile = text
        },
    ]

    // MARK: - Kinds of values

    static func integer(
        _ key: String, _ meaning: String, _ range: ClosedRange<Int64>,
        _ set: @escaping @Sendable (inout RouterConfiguration, Int64) -> Void
    ) -> RouterSetting {
        RouterSetting(key: key, meaning: meaning) { (value: JSONValue, configuration: inout RouterConfiguration) throws(SettingsError) in
            guard let number = value.numberValue?.int64Value else { throw SettingsError("\(key) must be an integer") }
            guard range.contains(number) else { throw SettingsError("\(key) must be \(describe(range)), not \(number)") }
            set(&configuration, number)
        }
    }

    static func string(_ key: String, _ meaning: String, _ path: WritableKeyPath<RouterConfiguration, String> & Sendable) -> RouterSetting {
        RouterSetting(key: key, meaning: meaning) { (value: JSONValue, configuration: inout RouterConfiguration) throws(SettingsError) in
            guard let text = value.stringValue, !text.isEmpty else { throw SettingsError("\(key) must be a non-empty string") }
            configuration[keyPath: path] = text
        }
    }

    static func strings(_ key: String, _ meaning: String, _ path: WritableKeyPath<RouterConfiguration, [String]> & Sendable) -> RouterSetting {
        strings(key, meaning) { $0[keyPath: path] = $1 }
    }

    static func strings(
        _ key: String, _ meaning: String, allowEmpty: Bool = false, _ set: @escaping @Sendable (inout RouterConfiguration, [String]) -> Void
    ) -> RouterSetting {
        RouterSetting(key: key, meaning: meaning) { (value: JSONValue, configuration: inout RouterConfiguration) throws(SettingsError) in
            guard let items = value.arrayValue, allowEmpty || !items.isEmpty else { throw SettingsError("\(key) must be a non-empty array of strings") }
            var result: [String] = []
            for item in items {
                guard let text = item.stringValue, !text.isEmpty else { throw SettingsError("\(key) must hold non-empty strings only") }
                result.append(text)
            }
            set(&configuration, result)
        }
    }

    static func describe(_ range: ClosedRange<Int64>) -> String {
        guard range.upperBound < Int64.max else { return range.lowerBound == 1 ? "positive" : "at least \(range.lowerBound)" }
        return "\(range.lowerBound)…\(range.upperBound)"
    }
}
