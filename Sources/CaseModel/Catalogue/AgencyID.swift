import Foundation

/// The id of a participating agency, used alike as broker user, inbox queue (`inbox.<id>`),
/// `case.deliver` routing key and, with `.` replaced by `:`, as the CloudEvents `source` URN.
///
/// `abh.<office>` (Ausländerbehörde), `av.<mission>` (Auslandsvertretung), `lpol.<land>`
/// (Landespolizei), `lfv.<land>` (Landesamt für Verfassungsschutz, § 73 Abs. 2 AufenthG) and
/// `ae.<land>` (Aufnahmeeinrichtung, the Land's initial reception, § 44 AsylG), with the 16
/// ISO 3166-2:DE suffixes, and the federal agencies `aa`, `bamf`, `bpol`, `bka`, `bsi`,
/// `bfv`, `bnd` (Bundesnachrichtendienst), `mad` (Militärischer Abschirmdienst), `zka`
/// (Zollkriminalamt), `ba`, `bva` and the hub itself, `hub` (Schemas/common/authority.schema.json).
public struct AgencyID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Kinds with one agency per office, mission or Land.
    public static let instanceKinds: Set<String> = ["abh", "av", "lpol", "lfv", "ae"]
    /// Instance kinds whose instances are the Länder (``laender``).
    public static let landKinds: Set<String> = ["lpol", "lfv", "ae"]
    /// Kinds that are a single agency.
    public static let singletonKinds: Set<String> = ["aa", "bamf", "bpol", "bka", "bsi", "bfv", "bnd", "mad", "zka", "ba", "bva", "hub"]
    /// The Länder as lowercase ISO 3166-2:DE suffixes (`lpol.by`, `lfv.by`, `ae.by`).
    public static let laender: Set<String> = ["bw", "by", "be", "bb", "hb", "hh", "he", "mv", "ni", "nw", "rp", "sl", "sn", "st", "sh", "th"]
    /// The hub itself, the sender of what it says on its own (receipts, incidents, deemed
    /// outcomes): `urn:de:migration:hub`.
    public static let hub = AgencyID("hub")!
    /// Prefix of every source URN.
    public static let urnPrefix = "urn:de:migration:"
    static let maxLength = 64

    /// The id, e.g. `abh.berlin`.
    public let rawValue: String
    /// The kind, e.g. `abh`.
    public let kind: String
    /// The office, mission or Land within the kind (`berlin`), nil for single agencies.
    public let instance: String?

    /// Validates the id syntax; nil for anything that is not an agency id.
    public init?(_ id: String) {
        guard id.utf8.count <= Self.maxLength else { return nil }
        // By bytes, not Characters: this runs several times for every message.
        let dot = id.utf8.firstIndex(of: UInt8(ascii: "."))
        let kind = String(Substring(id.utf8[..<(dot ?? id.utf8.endIndex)]))
        if let dot {
            let instance = String(Substring(id.utf8[id.utf8.index(after: dot)...]))
            switch kind {
            case "abh", "av": guard Self.isOfficeName(instance) else { return nil }
            case _ where Self.landKinds.contains(kind): guard Self.laender.contains(instance) else { return nil }
            default: return nil
            }
            self.instance = instance
        } else {
            guard Self.singletonKinds.contains(kind) else { return nil }
            instance = nil
        }
        self.kind = kind
        rawValue = id
    }

    /// The agency of a source URN: `urn:de:migration:abh:berlin` → `abh.berlin`.
    public init?(urn sourceURN: String) {
        guard sourceURN.utf8.starts(with: Self.urnPrefix.utf8) else { return nil }
        // Only the first ':' separates kind and instance; a second one makes the id invalid.
        // By bytes, not Characters or Foundation: this runs for every message.
        var bytes = Array(sourceURN.utf8.dropFirst(Self.urnPrefix.utf8.count))
        guard !bytes.contains(UInt8(ascii: ".")) else { return nil }
        for i in bytes.indices where bytes[i] == UInt8(ascii: ":") { bytes[i] = UInt8(ascii: ".") }
        self.init(String(decoding: bytes, as: UTF8.self))
    }

    /// The source URN: `abh.berlin` → `urn:de:migration:abh:berlin`.
    public var urn: String {
        Self.urnPrefix + String(rawValue.map { $0 == "." ? ":" : $0 })
    }

    /// The inbox queue of this agency, `inbox.<id>`.
    public var inboxQueue: String { "inbox." + rawValue }

    public var description: String { rawValue }

    public static func < (lhs: AgencyID, rhs: AgencyID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Whether `text` is a syntactically valid agency id.
    public static func isValid(_ text: String) -> Bool { AgencyID(text) != nil }

    /// `[a-z][a-z0-9]*(-[a-z0-9]+)*`: lowercase ASCII, umlauts transliterated, words joined by `-`.
    static func isOfficeName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, first &- UInt8(ascii: "a") < 26, bytes.last != UInt8(ascii: "-") else { return false }
        var previousDash = false
        for byte in bytes.dropFirst() {
            if byte == UInt8(ascii: "-") {
                if previousDash { return false }
                previousDash = true
            } else if byte &- UInt8(ascii: "a") < 26 || byte &- UInt8(ascii: "0") < 10 {
                previousDash = false
            } else {
                return false
            }
        }
        return true
    }
}
