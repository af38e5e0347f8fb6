/// Why and where the strict ``JSONParser`` rejected an input.
///
/// The description says what was wrong and where, never what the input contained: inputs
/// carry personal data and this error ends up in logs and dead-letter headers.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What went wrong, with a stable ``rawValue`` such as `json.too-deep` for headers and metrics.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable, Hashable {
            case tooLarge = "json.too-large"
            case tooDeep = "json.too-deep"
            case duplicateKey = "json.duplicate-key"
            case invalidUTF8 = "json.invalid-utf8"
            case loneSurrogate = "json.lone-surrogate"
            case numberTooLong = "json.number-too-long"
            case numberOutOfRange = "json.number-out-of-range"
            case stringTooLong = "json.string-too-long"
            case controlCharacter = "json.control-character"
            case unexpectedCharacter = "json.unexpected-character"
            case unexpectedEnd = "json.unexpected-end"
            case trailingData = "json.trailing-data"
            case invalidEscape = "json.invalid-escape"
            case invalidNumber = "json.invalid-number"
            case byteOrderMark = "json.byte-order-mark"
            case empty = "json.empty"
        }

        let base: Base

        private init(_ base: Base) { self.base = base }

        /// The input is longer than ``JSONParser/Limits/maxBytes``.
        public static let tooLarge = Self(.tooLarge)
        /// Arrays and objects nest deeper than ``JSONParser/Limits/maxDepth``.
        public static let tooDeep = Self(.tooDeep)
        /// An object has the same key twice.
        public static let duplicateKey = Self(.duplicateKey)
        /// The bytes are not valid UTF-8.
        public static let invalidUTF8 = Self(.invalidUTF8)
        /// A `\u` escape encodes half of a surrogate pair.
        public static let loneSurrogate = Self(.loneSurrogate)
        /// A number literal is longer than ``JSONParser/Limits/maxNumberLength``.
        public static let numberTooLong = Self(.numberTooLong)
        /// A number's exponent has more than 18 digits.
        public static let numberOutOfRange = Self(.numberOutOfRange)
        /// A string is longer than ``JSONParser/Limits/maxStringBytes``.
        public static let stringTooLong = Self(.stringTooLong)
        /// A string contains an unescaped control character (U+0000...U+001F).
        public static let controlCharacter = Self(.controlCharacter)
        /// A character that cannot start or continue a value here.
        public static let unexpectedCharacter = Self(.unexpectedCharacter)
        /// The input ends in the middle of a value.
        public static let unexpectedEnd = Self(.unexpectedEnd)
        /// Something other than whitespace follows the document.
        public static let trailingData = Self(.trailingData)
        /// A backslash escape that JSON does not define, or a malformed `\u` escape.
        public static let invalidEscape = Self(.invalidEscape)
        /// A malformed number such as `01`, `1.` or `-`.
        public static let invalidNumber = Self(.invalidNumber)
        /// The input starts with a UTF-8 byte order mark, which RFC 8259 forbids senders to add.
        public static let byteOrderMark = Self(.byteOrderMark)
        /// The input holds nothing but whitespace.
        public static let empty = Self(.empty)

        /// Stable identifier, e.g. `json.too-deep`.
        public var rawValue: String { base.rawValue }

        public var description: String { base.rawValue }

        /// A plain-English explanation without input content.
        var explanation: String {
            switch base {
            case .tooLarge: return "the document is larger than allowed"
            case .tooDeep: return "arrays/objects are nested deeper than allowed"
            case .duplicateKey: return "an object has the same key twice"
            case .invalidUTF8: return "the bytes are not valid UTF-8"
            case .loneSurrogate: return "a \\u escape holds half of a surrogate pair"
            case .numberTooLong: return "a number has more characters than allowed"
            case .numberOutOfRange: return "a number's exponent is out of range"
            case .stringTooLong: return "a string is longer than allowed"
            case .controlCharacter: return "a string contains an unescaped control character"
            case .unexpectedCharacter: return "unexpected character"
            case .unexpectedEnd: return "the document ends in the middle of a value"
            case .trailingData: return "there is more data after the end of the document"
            case .invalidEscape: return "invalid backslash escape in a string"
            case .invalidNumber: return "malformed number"
            case .byteOrderMark: return "the document starts with a byte order mark"
            case .empty: return "the document is empty"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// Zero-based byte offset of the offending byte (or of the start of the offending token).
    public var offset: Int
    /// One-based line number of ``offset``.
    public var line: Int
    /// One-based column of ``offset``, counted in Unicode scalars.
    public var column: Int

    public init(code: Code, offset: Int, line: Int, column: Int) {
        self.code = code
        self.offset = offset
        self.line = line
        self.column = column
    }

    public var description: String {
        "\(code.rawValue): \(code.explanation) at line \(line), column \(column) (byte offset \(offset))"
    }

    public var debugDescription: String { "JSONParseError(\(description))" }
}

extension JSONParseError {
    /// Derives line and column from the input; the error is thrown with its offset only.
    init(code: Code, offset: Int, in input: UnsafeBufferPointer<UInt8>) {
        var line = 1
        var column = 1
        var i = 0
        let end = Swift.min(offset, input.count)
        while i < end {
            let byte = input[i]
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            i += 1
        }
        self.init(code: code, offset: offset, line: line, column: column)
    }
}
