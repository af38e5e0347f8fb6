/// A versioned Drehscheibe event type, `de.migration.<domain>.<event>.v<N>`, e.g.
/// `de.migration.employment.consent-requested.v1`. The same string is the routing key on
/// `case.ingress`.
public struct EventTypeName: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The namespace every type lives in.
    public static let prefix = "de.migration."
    /// Longest accepted type (the envelope schema's `maxLength`).
    static let maxLength = 120

    /// The type with its version, e.g. `de.migration.asylum.seeker-registered.v2`.
    public let full: String
    /// The type without its version, e.g. `de.migration.asylum.seeker-registered`: the key of
    /// the event catalogue.
    public let name: String
    /// The version number (`2` for `.v2`).
    public let version: Int

    /// Parses `de.migration.<domain>.<event>.v<N>` (lowercase words joined by `-`, N ≥ 1 without
    /// leading zeros); nil for anything else.
    public init?(_ full: String) {
        let bytes = Array(full.utf8)
        guard bytes.count <= Self.maxLength, full.hasPrefix(Self.prefix) else { return nil }
        // The last `.v` separates the version; everything before it is `<domain>.<event>`.
        guard let dot = bytes.lastIndex(of: UInt8(ascii: ".")), dot + 2 < bytes.count,
              bytes[dot + 1] == UInt8(ascii: "v") else { return nil }
        let digits = bytes[(dot + 2)...]
        guard digits.count <= 9, digits.first != UInt8(ascii: "0"),
              digits.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) else { return nil }
        let words = bytes[Self.prefix.utf8.count..<dot].split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard words.count == 2, words.allSatisfy(Self.isKebabWord) else { return nil }
        self.full = full
        self.name = String(decoding: bytes[..<dot], as: UTF8.self)
        self.version = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    /// The type `name` in `version`, e.g. `(de.migration.asylum.seeker-registered, 2)`.
    public init?(name: String, version: Int) {
        guard version >= 1 else { return nil }
        self.init("\(name).v\(version)")
    }

    /// `<domain>`, e.g. `asylum`.
    public var domain: String {
        String(name.dropFirst(Self.prefix.count).prefix { $0 != "." })
    }

    /// The type without the `de.migration.` namespace, e.g. `asylum.seeker-registered.v2` (the
    /// name of its schema file and of its examples folder).
    public var shortName: String { String(full.dropFirst(Self.prefix.count)) }

    /// `v<N>`, as the catalogue keys versions.
    public var versionLabel: String { "v\(version)" }

    public var description: String { full }

    /// By name, then by version number (so v10 sorts after v9).
    public static func < (lhs: EventTypeName, rhs: EventTypeName) -> Bool {
        (lhs.name, lhs.version) < (rhs.name, rhs.version)
    }

    /// `[a-z]+(-[a-z]+)*`.
    private static func isKebabWord(_ word: ArraySlice<UInt8>) -> Bool {
        guard let first = word.first, let last = word.last, first != UInt8(ascii: "-"), last != UInt8(ascii: "-") else {
            return false
        }
        var previousDash = false
        for byte in word {
            if byte == UInt8(ascii: "-") {
                if previousDash { return false }
                previousDash = true
            } else if byte &- UInt8(ascii: "a") < 26 {
                previousDash = false
            } else {
                return false
            }
        }
        return true
    }
}
