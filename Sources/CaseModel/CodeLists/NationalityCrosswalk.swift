/// The crosswalk between DESTATIS Staatsangehörigkeit codes (what Drehscheibe sends, e.g.
/// `475` Syrien), ISO 3166-1 alpha-3 and the ICAO Doc 9303 codes of passports' machine-readable
/// zones, from the code list `staatsangehoerigkeit`.
///
/// DESTATIS → ISO/ICAO is a function (some codes have none: `999` ohne Angabe, `910`). The
/// reverse is not one-to-one: `YUG` ← 120 and 138, `SDN` ← 276 and 277, `SRB` ← 133 and 170,
/// and ICAO writes Germany as `D`, not `DEU`. The reverse lookups therefore return every code,
/// and ``destatisCode(icao:)`` picks one only when a single current code matches.
public struct NationalityCrosswalk: Sendable {
    /// One DESTATIS code with its counterparts.
    public struct Entry: Sendable, Hashable {
        /// DESTATIS code, three digits.
        public let code: String
        /// German name (Staatsangehörigkeit / Staat).
        public let nameDe: String
        /// ISO 3166-1 alpha-3 (ISO 3166-3 for former states; ICAO's `XKX`, `XXA`, `XXX`, `GBD` where ISO has none).
        public let alpha3: String?
        /// ISO 3166-1 alpha-2 for current states.
        public let alpha2: String?
        /// The ICAO Doc 9303 nationality code as printed in an MRZ (`D` for Germany).
        public let icao9303: String?
        /// `current`, `historical` or `internal`.
        public let status: String

        /// True for codes of states that exist today.
        public var isCurrent: Bool { status == "current" }
    }

    /// Every entry in code-list order.
    public let entries: [Entry]
    private let byCode: [String: Int]
    private let byAlpha3: [String: [Int]]
    private let byICAO: [String: [Int]]

    /// Builds the crosswalk from the code list (`Schemas/codelists/staatsangehoerigkeit.json`).
    public init(codeList: CodeList) throws(SchemaCompileError) {
        var entries: [Entry] = []
        for (i, object) in codeList.entries.enumerated() {
            guard case .string(let code)? = object["code"] else {
                throw SchemaCompileError(code: .invalidCodeList, detail: "entry \(i) of \(codeList.name) has no code")
            }
            func optional(_ name: String) throws(SchemaCompileError) -> String? {
                switch object[name] {
                case .string(let s)?: return s
                case .null?, nil: return nil
                default: throw SchemaCompileError(code: .invalidCodeList, detail: "\(name) of code \(code) in \(codeList.name) is not a string or null")
                }
            }
            entries.append(Entry(code: code, nameDe: try optional("nameDe") ?? "", alpha3: try optional("alpha3"),
                                 alpha2: try optional("alpha2"), icao9303: try optional("icao9303"),
                                 status: try optional("status") ?? "current"))
        }
        self.init(entries: entries)
    }

    init(entries: [Entry]) {
        self.entries = entries
        var byCode: [String: Int] = [:], byAlpha3: [String: [Int]] = [:], byICAO: [String: [Int]] = [:]
        for (i, entry) in entries.enumerated() {
            byCode[entry.code] = i
            if let alpha3 = entry.alpha3 { byAlpha3[alpha3, default: []].append(i) }
            if let icao = entry.icao9303 { byICAO[icao, default: []].append(i) }
        }
        self.byCode = byCode
        self.byAlpha3 = byAlpha3
        self.byICAO = byICAO
    }

    /// The entry of a DESTATIS code.
    public func entry(destatis code: String) -> Entry? {
        byCode[code].map { entries[$0] }
    }

    /// ISO alpha-3 of a DESTATIS code (`475` → `SYR`), nil when there is none.
    public func alpha3(destatis code: String) -> String? {
        entry(destatis: code)?.alpha3
    }

    /// ICAO 9303 code of a DESTATIS code (`000` → `D`), nil when there is none.
    public func icao(destatis code: String) -> String? {
        entry(destatis: code)?.icao9303
    }

    /// Every DESTATIS entry with this alpha-3 code (`YUG` → 120, 138).
    public func entries(alpha3: String) -> [Entry] {
        (byAlpha3[alpha3] ?? []).map { entries[$0] }
    }

    /// Every DESTATIS entry with this ICAO code, read from an MRZ nationality field (fillers
    /// `<` are ignored: `D<<` is Germany).
    public func entries(icao: String) -> [Entry] {
        (byICAO[Self.trimFillers(icao)] ?? []).map { entries[$0] }
    }

    /// The DESTATIS code for an ICAO code when it is unambiguous: the only entry, or the only
    /// current one (`SRB` → 170 Serbien rather than 133, historical); nil otherwise (`YUG`).
    public func destatisCode(icao: String) -> String? {
        Self.unambiguous(entries(icao: icao))
    }

    /// Like ``destatisCode(icao:)`` for ISO alpha-3.
    public func destatisCode(alpha3: String) -> String? {
        Self.unambiguous(entries(alpha3: alpha3))
    }

    /// The ICAO code for an ISO alpha-3 code (`DEU` → `D`); nil when unknown or ambiguous.
    public func icao(alpha3: String) -> String? {
        let codes = Set(entries(alpha3: alpha3).compactMap(\.icao9303))
        return codes.count == 1 ? codes.first : nil
    }

    /// The ISO alpha-3 code for an ICAO code (`D` → `DEU`); nil when unknown or ambiguous.
    public func alpha3(icao: String) -> String? {
        let codes = Set(entries(icao: icao).compactMap(\.alpha3))
        return codes.count == 1 ? codes.first : nil
    }

    static func unambiguous(_ candidates: [Entry]) -> String? {
        if candidates.count == 1 { return candidates[0].code }
        let current = candidates.filter(\.isCurrent)
        return current.count == 1 ? current[0].code : nil
    }

    static func trimFillers(_ code: String) -> String {
        var result = Substring(code)
        while result.last == "<" { result = result.dropLast() }
        return String(result)
    }
}
