import AMQP
import CaseModel
import Foundation

/// The router's deployment settings (deploy/router/router.json, see its README): values for
/// some of the ``RouterSetting``s, by key. Every key is optional; unknown keys are refused so a
/// misspelt setting does not silently keep its default, and every value is checked when it is
/// read, with the key named in the error.
public struct RouterSettings: Sendable, Equatable {
    /// The values given, by key; each one checked.
    public private(set) var values: [String: JSONValue] = [:]

    public init() {}

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
        for key in root.keys {
            guard let value = root[key] else { continue }
            try set(key, value)
        }
    }

    /// Sets one value (the command line's overrides), checked as the file's are.
    public mutating func set(_ key: String, _ value: JSONValue) throws(SettingsError) {
        guard let setting = RouterSetting.named(key) else {
            throw SettingsError("unknown key '\(key)' (known: \(RouterSetting.all.map(\.key).sorted().joined(separator: ", ")))")
        }
        var scratch = RouterConfiguration(connection: .init(host: "localhost"), schemasDirectory: URL(fileURLWithPath: "."))
        try setting.apply(value, &scratch)
        values[key] = value
    }

    /// These settings with those `other` sets taken from `other` (the command line over the
    /// file). A broker user given without relays resets the relays to the default (that user
    /// and drehscheibe-ops), so the relays always include the router's own user unless listed.
    public func overridden(by other: RouterSettings) -> RouterSettings {
        var result = self
        if other.values["brokerUser"] != nil, other.values["trustedRelays"] == nil { result.values["trustedRelays"] = nil }
        result.values.merge(other.values) { $1 }
        return result
    }

    /// `configuration` with the values these settings hold, in the table's order. Without
    /// `trustedRelays` the relays are the router's own broker user and drehscheibe-ops.
    public func apply(to configuration: inout RouterConfiguration) {
        for setting in RouterSetting.all {
            guard let value = values[setting.key] else { continue }
            // Checked when set; a value that fails now is a bug in the table, not in the file.
            try? setting.apply(value, &configuration)
        }
        if values["trustedRelays"] == nil {
            configuration.pipeline.trustedRelays = [configuration.pipeline.brokerUser, "drehscheibe-ops"]
        }
    }
}

/// A settings file that cannot be used; the message says which key and why.
public struct SettingsError: Error, Sendable, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
