/// The character encodings an agency's XML document may come in, how they are recognised
/// (XML 1.0, Appendix F: byte order mark, else the first four bytes, else the encoding
/// declaration) and how they are decoded.
///
/// The adapter decodes a document itself and hands the parser UTF-8 only, so the checks
/// before parsing (``XMLScreening``) and the parser read the same characters: a DOCTYPE
/// cannot hide from the check in an encoding only the parser would understand. Encodings
/// outside this list (UTF-7, EBCDIC, Shift-JIS, ...) are refused rather than guessed at.
public enum XMLEncoding: String, Sendable, Hashable, CaseIterable {
    case utf8 = "UTF-8"
    case utf16LE = "UTF-16LE"
    case utf16BE = "UTF-16BE"
    case utf32LE = "UTF-32LE"
    case utf32BE = "UTF-32BE"
    case usASCII = "US-ASCII"
    case latin1 = "ISO-8859-1"
    case latin9 = "ISO-8859-15"
    case windows1252 = "windows-1252"

    /// What the first bytes of a document say about its encoding.
    enum Signature: Sendable, Hashable {
        /// A byte order mark of `length` bytes names the encoding.
        case byteOrderMark(XMLEncoding, length: Int)
        /// No mark, but `<?` (or `<` for UTF-32) in a 16- or 32-bit encoding.
        case unmarked(XMLEncoding)
        /// An ASCII-compatible encoding: the declaration (if any) names it, UTF-8 otherwise.
        case asciiCompatible
        /// `<?xm` in EBCDIC: no encoding the adapter reads.
        case ebcdic
    }

    /// The signature of a document (XML 1.0, Appendix F). UTF-32 marks are tested before
    /// UTF-16 ones, whose little-endian mark is a prefix of UTF-32LE's.
    static func signature(of bytes: [UInt8]) -> Signature {
        func starts(with prefix: [UInt8]) -> Bool { bytes.starts(with: prefix) }
        if starts(with: [0x00, 0x00, 0xFE, 0xFF]) { return .byteOrderMark(.utf32BE, length: 4) }
        if starts(with: [0xFF, 0xFE, 0x00, 0x00]) { return .byteOrderMark(.utf32LE, length: 4) }
        if starts(with: [0xEF, 0xBB, 0xBF]) { return .byteOrderMark(.utf8, length: 3) }
        if starts(with: [0xFE, 0xFF]) { return .byteOrderMark(.utf16BE, length: 2) }
        if starts(with: [0xFF, 0xFE]) { return .byteOrderMark(.utf16LE, length: 2) }
        if starts(with: [0x00, 0x00, 0x00, 0x3C]) { return .unmarked(.utf32BE) }
        if starts(with: [0x3C, 0x00, 0x00, 0x00]) { return .unmarked(.utf32LE) }
        if starts(with: [0x00, 0x3C, 0x00, 0x3F]) { return .unmarked(.utf16BE) }
        if starts(with: [0x3C, 0x00, 0x3F, 0x00]) { return .unmarked(.utf16LE) }
        if starts(with: [0x4C, 0x6F, 0xA7, 0x94]) { return .ebcdic }
        return .asciiCompatible
    }

    /// The ASCII-compatible encoding an encoding declaration names; nil for any other name.
    static func asciiCompatible(named name: String) -> XMLEncoding? {
        switch name.uppercased() {
        case "UTF-8", "UTF8": .utf8
        case "US-ASCII", "ASCII": .usASCII
        case "ISO-8859-1", "ISO_8859-1", "LATIN1", "LATIN-1", "L1": .latin1
        case "ISO-8859-15", "ISO_8859-15", "LATIN9", "LATIN-9": .latin9
        case "WINDOWS-1252", "CP1252": .windows1252
        default: nil
        }
    }

    /// True when a document recognised as `self` by its signature may declare `name`: the
    /// declaration must not contradict the bytes (e.g. "UTF-16" on an 8-bit document).
    func admits(declared name: String) -> Bool {
        let name = name.uppercased()
        switch self {
        case .utf8: return name == "UTF-8" || name == "UTF8"
        case .utf16LE: return ["UTF-16", "UTF-16LE", "UCS-2", "ISO-10646-UCS-2"].contains(name)
        case .utf16BE: return ["UTF-16", "UTF-16BE", "UCS-2", "ISO-10646-UCS-2"].contains(name)
        case .utf32LE: return ["UTF-32", "UTF-32LE", "UCS-4", "ISO-10646-UCS-4"].contains(name)
        case .utf32BE: return ["UTF-32", "UTF-32BE", "UCS-4", "ISO-10646-UCS-4"].contains(name)
        case .usASCII, .latin1, .latin9, .windows1252: return Self.asciiCompatible(named: name) == self
        }
    }

    /// The text of `bytes` in this encoding, nil when they are not valid in it (an invalid
    /// UTF-8 sequence, an odd number of UTF-16 bytes, a lone surrogate, a byte ASCII lacks).
    func decode(_ bytes: ArraySlice<UInt8>) -> String? {
        switch self {
        case .utf8:
            return String(validating: bytes, as: UTF8.self)
        case .utf16LE, .utf16BE:
            guard bytes.count % 2 == 0 else { return nil }
            let units = stride(from: bytes.startIndex, to: bytes.endIndex, by: 2).map { index -> UInt16 in
                let first = UInt16(bytes[index]), second = UInt16(bytes[index + 1])
                return self == .utf16LE ? first | second << 8 : first << 8 | second
            }
            return String(validating: units, as: UTF16.self)
        case .utf32LE, .utf32BE:
            guard bytes.count % 4 == 0 else { return nil }
            let units = stride(from: bytes.startIndex, to: bytes.endIndex, by: 4).map { index -> UInt32 in
                let b = (0..<4).map { UInt32(bytes[index + $0]) }
                return self == .utf32LE ? b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 : b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]
            }
            return String(validating: units, as: UTF32.self)
        case .usASCII:
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            return String(decoding: bytes, as: UTF8.self)
        case .latin1, .latin9, .windows1252:
            var scalars = String.UnicodeScalarView()
            for byte in bytes {
                guard let scalar = scalar(of: byte) else { return nil }
                scalars.append(scalar)
            }
            return String(scalars)
        }
    }

    /// The character of one byte in a single-byte encoding; nil for the five bytes
    /// windows-1252 leaves undefined.
    private func scalar(of byte: UInt8) -> Unicode.Scalar? {
        switch self {
        case .latin9:
            if let replaced = Self.latin9Differences[byte] { return Unicode.Scalar(replaced) }
        case .windows1252 where (0x80...0x9F).contains(byte):
            let value = Self.windows1252High[Int(byte) - 0x80]
            return value == 0 ? nil : Unicode.Scalar(value)
        default:
            break
        }
        return Unicode.Scalar(byte)
    }

    /// Where ISO-8859-15 differs from ISO-8859-1 (€, Š, š, Ž, ž, Œ, œ, Ÿ).
    private static let latin9Differences: [UInt8: UInt32] = [
        0xA4: 0x20AC, 0xA6: 0x0160, 0xA8: 0x0161, 0xB4: 0x017D, 0xB8: 0x017E, 0xBC: 0x0152, 0xBD: 0x0153, 0xBE: 0x0178,
    ]

    /// windows-1252 at 0x80...0x9F (0: undefined).
    private static let windows1252High: [UInt32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ]
}
