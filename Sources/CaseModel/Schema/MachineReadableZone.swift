/// An ICAO Doc 9303 TD3 (passport) machine-readable zone: two lines of 44 characters.
///
/// Parsing verifies the character set, the layout and all five check digits, so an adapter
/// reading a scanned passport and the `x-mrz` schema keyword agree on what is valid.
public struct MachineReadableZone: Sendable, Hashable {
    /// A field protected by a check digit.
    public enum CheckedField: String, Sendable, Hashable, CaseIterable {
        case documentNumber = "document number"
        case birthDate = "birth date"
        case expiryDate = "expiry date"
        case optionalData = "optional data"
        case composite = "composite"
    }

    /// Why a text is not a valid TD3 zone. Descriptions never quote the zone (personal data).
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public struct Code: Sendable, Hashable, CustomStringConvertible {
            enum Base: String, Sendable, Hashable {
                case invalidLayout = "mrz.invalid-layout"
                case invalidCharacter = "mrz.invalid-character"
                case checkDigitMismatch = "mrz.check-digit-mismatch"
            }

            let base: Base

            private init(_ base: Base) { self.base = base }

            /// Not two lines of 44 characters separated by a line feed.
            public static let invalidLayout = Self(.invalidLayout)
            /// A character other than `A`–`Z`, `0`–`9` and `<`.
            public static let invalidCharacter = Self(.invalidCharacter)
            /// A check digit does not match its field.
            public static let checkDigitMismatch = Self(.checkDigitMismatch)

            /// Stable identifier, e.g. `mrz.check-digit-mismatch`.
            public var rawValue: String { base.rawValue }
            public var description: String { base.rawValue }
        }

        public var code: Code
        /// The field whose check digit failed, for ``Code/checkDigitMismatch``.
        public var field: CheckedField?
        /// Line (1 or 2) and column (1-based) of the offending character, when there is one.
        public var line: Int?
        public var column: Int?

        init(code: Code, field: MachineReadableZone.CheckedField? = nil, line: Int? = nil, column: Int? = nil) {
            self.code = code
            self.field = field
            self.line = line
            self.column = column
        }

        public var description: String {
            switch code.base {
            case .invalidLayout:
                return "\(code.rawValue): not two lines of 44 characters separated by a line feed"
            case .invalidCharacter:
                return "\(code.rawValue): character at line \(line ?? 0), column \(column ?? 0) is not A-Z, 0-9 or <"
            case .checkDigitMismatch:
                return "\(code.rawValue): the check digit of the \(field?.rawValue ?? "zone") is wrong"
            }
        }
    }

    /// Document code, e.g. `P` (filler removed).
    public let documentCode: String
    /// Issuing state or organisation (ICAO code, e.g. `D`, `UTO`).
    public let issuingState: String
    /// Primary identifier (surname), fillers turned into spaces.
    public let primaryIdentifier: String
    /// Secondary identifiers (given names), fillers turned into spaces.
    public let secondaryIdentifier: String
    /// Document number without fillers.
    public let documentNumber: String
    /// Nationality (ICAO code, e.g. `D`, `UTO`).
    public let nationality: String
    /// Birth date as written, `YYMMDD` (unknown parts may be `<`).
    public let birthDate: String
    /// `M`, `F` or `X` (unspecified, written `<`).
    public let sex: String
    /// Expiry date as written, `YYMMDD`.
    public let expiryDate: String
    /// Optional data (e.g. a personal number) without fillers.
    public let optionalData: String

    /// Parses and verifies a TD3 zone: two 44-character lines separated by `"\n"`.
    public init(td3 text: String) throws(ParseError) {
        let bytes = Array(text.utf8)
        guard bytes.count == 89, bytes[44] == UInt8(ascii: "\n") else {
            throw ParseError(code: .invalidLayout)
        }
        let line1 = Array(bytes[0..<44])
        let line2 = Array(bytes[45..<89])
        for (lineNumber, line) in [(1, line1), (2, line2)] {
            for (i, b) in line.enumerated() where Self.value(of: b) == nil {
                throw ParseError(code: .invalidCharacter, line: lineNumber, column: i + 1)
            }
        }
        try Self.verify(line2[0..<9], line2[9], .documentNumber)
        try Self.verify(line2[13..<19], line2[19], .birthDate)
        try Self.verify(line2[21..<27], line2[27], .expiryDate)
        // ICAO allows a filler instead of the optional-data check digit when the field is empty.
        if !(line2[42] == UInt8(ascii: "<") && line2[28..<42].allSatisfy({ $0 == UInt8(ascii: "<") })) {
            try Self.verify(line2[28..<42], line2[42], .optionalData)
        }
        let composite = Array(line2[0..<10]) + Array(line2[13..<20]) + Array(line2[21..<43])
        try Self.verify(composite[...], line2[43], .composite)

        func string(_ slice: ArraySlice<UInt8>) -> String {
            String(decoding: slice, as: UTF8.self)
        }
        func trimmed(_ slice: ArraySlice<UInt8>) -> String {
            string(slice).split(separator: "<", omittingEmptySubsequences: true).joined(separator: " ")
        }
        documentCode = trimmed(line1[0..<2])
        issuingState = trimmed(line1[2..<5])
        // Primary and secondary identifiers are separated by the first double filler.
        if let separator = (5..<43).first(where: { line1[$0] == UInt8(ascii: "<") && line1[$0 + 1] == UInt8(ascii: "<") }) {
            primaryIdentifier = trimmed(line1[5..<separator])
            secondaryIdentifier = trimmed(line1[(separator + 2)..<44])
        } else {
            primaryIdentifier = trimmed(line1[5..<44])
            secondaryIdentifier = ""
        }
        documentNumber = trimmed(line2[0..<9])
        nationality = trimmed(line2[10..<13])
        birthDate = string(line2[13..<19])
        sex = line2[20] == UInt8(ascii: "<") ? "X" : string(line2[20..<21])
        expiryDate = string(line2[21..<27])
        optionalData = trimmed(line2[28..<42])
    }

    /// The ICAO 9303 check digit (weights 7, 3, 1; `A`=10 … `Z`=35, `<`=0) of `field`, or nil
    /// if it contains other characters.
    public static func checkDigit(of field: some StringProtocol) -> Int? {
        var sum = 0
        let weights = [7, 3, 1]
        for (i, b) in field.utf8.enumerated() {
            guard let v = value(of: b) else { return nil }
            sum += v * weights[i % 3]
        }
        return sum % 10
    }

    private static func value(of byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return Int(byte - UInt8(ascii: "A")) + 10
        case UInt8(ascii: "<"): return 0
        default: return nil
        }
    }

    private static func verify(_ field: ArraySlice<UInt8>, _ digit: UInt8, _ name: CheckedField) throws(ParseError) {
        var sum = 0
        let weights = [7, 3, 1]
        for (i, b) in field.enumerated() { sum += (value(of: b) ?? 0) * weights[i % 3] }
        guard digit &- 48 < 10, Int(digit - 48) == sum % 10 else {
            throw ParseError(code: .checkDigitMismatch, field: name)
        }
    }
}
