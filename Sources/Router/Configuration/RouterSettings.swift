import CaseModel

/// The router's deployment settings file (deploy/router/router.json, see its README): the
/// values of ``RouterConfiguration`` that differ between deployments. Every key is optional;
/// unknown keys are refused so a misspelt setting does not silently keep its default.
public struct RouterSettings: Sendable, Equatable {
    public var queues: [String]?
    public var prefetch: UInt16?
    public var transactionBytes: Int?
    public var ledgerIntervalMilliseconds: Int?
    public var ledgerBacklog: Int?
    public var inboxHighWater: Int?
    public var deadLettersHighWater: Int?
    public var brokerUser: String?
    public var trustedRelays: [String]?
    public var deliverExchange: String?
    public var deadExchange: String?
    public var retryExchange: String?
    public var retryTiers: [String]?
    public var maximumAttempts: Int?

    public init() {}

    static let keys: Set<String> = [
        "queues", "prefetch", "transactionBytes", "ledgerIntervalMilliseconds", "ledgerBacklog", "inboxHighWater", "deadLettersHighWater", "brokerUser", "trustedRelays", "deliverExchange", "deadExchange",
        "retryExchange", "retryTiers", "maximumAttempts",
    ]

    /// Parses the file; each error names the key and what is wrong with it.
    public init(json bytes: [UInt8]) throws(SettingsError) {
        let root: JSONObject
        do {
            guard let object = try JSONValue(parsing: bytes).objectValue else { throw SettingsError("the settings must be a JSON object") }
            root = object
        } catch let error as SettingsError {
            throw error
        } catch {
            throw SettingsError("not valid JSON (\(error))")
        }
        if let unknown = root.keys.first(where: { !Self.keys.contains($0) }) {
            throw SettingsError("unknown key '\(unknown)' (known: \(Self.keys.sorted().joined(separator: ", ")))")
        }
        queues = try Self.strings(root, "queues")
        if let value = try Self.integer(root, "prefetch") {
            guard let prefetch = UInt16(exactly: value), prefetch > 0 else { throw SettingsError("prefetch must be 1…65535, not \(value)") }
            self.prefetch = prefetch
        }
        if let value = try Self.integer(root, "transactionBytes") {
            guard value > 0 else { throw SettingsError("transactionBytes must be positive, not \(value)") }
            transactionBytes = Int(value)
        }
        if let value = try Self.integer(root, "ledgerIntervalMilliseconds") {
            guard (0...10_000).contains(value) else { throw SettingsError("ledgerIntervalMilliseconds must be 0…10000, not \(value)") }
            ledgerIntervalMilliseconds = Int(value)
        }
        if let value = try Self.integer(root, "ledgerBacklog") {
            // Below the in-memory dedupe's 100,000 ids, which must cover every unrecorded delivery.
            guard (100...50_000).contains(value) else { throw SettingsError("ledgerBacklog must be 100…50000, not \(value)") }
            ledgerBacklog = Int(value)
        }
        if let value = try Self.integer(root, "inboxHighWater") {
            guard value >= 1 else { throw SettingsError("inboxHighWater must be positive, not \(value)") }
            inboxHighWater = Int(value)
        }
        if let value = try Self.integer(root, "deadLettersHighWater") {
            guard value >= 1 else { throw SettingsError("deadLettersHighWater must be positive, not \(value)") }
            deadLettersHighWater = Int(value)
        }
        brokerUser = try Self.string(root, "brokerUser")
        trustedRelays = try Self.strings(root, "trustedRelays", allowEmpty: true)
        deliverExchange = try Self.string(root, "deliverExchange")
        deadExchange = try Self.string(root, "deadExchange")
        retryExchange = try Self.string(root, "retryExchange")
        retryTiers = try Self.strings(root, "retryTiers")
        if let value = try Self.integer(root, "maximumAttempts") {
            guard value >= 1, value <= 100 else { throw SettingsError("maximumAttempts must be 1…100, not \(value)") }
            maximumAttempts = Int(value)
        }
    }

    /// These settings with those `other` sets taken from `other` (the command line over the
    /// file). A broker user given without relays resets the relays to the default (that user
    /// and drehscheibe-ops), so the relays always include the router's own user unless listed.
    public func overridden(by other: RouterSettings) -> RouterSettings {
        var result = self
        result.queues = other.queues ?? queues
        result.prefetch = other.prefetch ?? prefetch
        result.transactionBytes = other.transactionBytes ?? transactionBytes
        result.ledgerIntervalMilliseconds = other.ledgerIntervalMilliseconds ?? ledgerIntervalMilliseconds
        result.ledgerBacklog = other.ledgerBacklog ?? ledgerBacklog
        result.inboxHighWater = other.inboxHighWater ?? inboxHighWater
        result.deadLettersHighWater = other.deadLettersHighWater ?? deadLettersHighWater
        result.brokerUser = other.brokerUser ?? brokerUser
        result.trustedRelays = other.trustedRelays ?? (other.brokerUser == nil ? trustedRelays : nil)
        result.deliverExchange = other.deliverExchange ?? deliverExchange
        result.deadExchange = other.deadExchange ?? deadExchange
        result.retryExchange = other.retryExchange ?? retryExchange
        result.retryTiers = other.retryTiers ?? retryTiers
        result.maximumAttempts = other.maximumAttempts ?? maximumAttempts
        return result
    }

    /// `configuration` with the values this file sets. Without `trustedRelays` the relays are
    /// the router's own broker user and drehscheibe-ops.
    public func apply(to configuration: inout RouterConfiguration) {
        if let queues { configuration.queues = queues }
        if let prefetch { configuration.prefetch = prefetch }
        if let transactionBytes { configuration.transactionBytes = transactionBytes }
        if let ledgerIntervalMilliseconds { configuration.ledgerInterval = .milliseconds(ledgerIntervalMilliseconds) }
        if let ledgerBacklog { configuration.ledgerBacklog = ledgerBacklog }
        if let inboxHighWater { configuration.inboxHighWater = inboxHighWater }
        if let deadLettersHighWater { configuration.deadLettersHighWater = deadLettersHighWater }
        if let brokerUser { configuration.pipeline.brokerUser = brokerUser }
        configuration.pipeline.trustedRelays = trustedRelays.map { Set($0) } ?? [configuration.pipeline.brokerUser, "drehscheibe-ops"]
        if let deliverExchange { configuration.deliverExchange = deliverExchange }
        if let deadExchange { configuration.deadExchange = deadExchange }
        if let retryExchange { configuration.retryExchange = retryExchange }
        if let retryTiers { configuration.retry.tiers = retryTiers }
        if let maximumAttempts { configuration.retry.maximumAttempts = maximumAttempts }
    }

    private static func string(_ root: JSONObject, _ key: String) throws(SettingsError) -> String? {
        guard let value = root[key] else { return nil }
        guard let text = value.stringValue, !text.isEmpty else { throw SettingsError("\(key) must be a non-empty string") }
        return text
    }

    private static func strings(_ root: JSONObject, _ key: String, allowEmpty: Bool = false) throws(SettingsError) -> [String]? {
        guard let value = root[key] else { return nil }
        guard let items = value.arrayValue, allowEmpty || !items.isEmpty else { throw SettingsError("\(key) must be a non-empty array of strings") }
        var result: [String] = []
        for item in items {
            guard let text = item.stringValue, !text.isEmpty else { throw SettingsError("\(key) must hold non-empty strings only") }
            result.append(text)
        }
        return result
    }

    private static func integer(_ root: JSONObject, _ key: String) throws(SettingsError) -> Int64? {
        guard let value = root[key] else { return nil }
        guard let number = value.numberValue?.int64Value else { throw SettingsError("\(key) must be an integer") }
        return number
    }
}

/// A settings file that cannot be used; the message says which key and why.
public struct SettingsError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
