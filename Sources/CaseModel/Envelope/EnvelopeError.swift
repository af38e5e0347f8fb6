/// Why bytes are not a Drehscheibe CloudEvents envelope. The router dead-letters these as
/// `malformed` (or `too-large` for ``Code/json(_:)`` with `json.too-large`).
///
/// The description names the rule and where it was broken, never a value of the message:
/// envelopes carry personal data and this error ends up in logs and dead-letter headers.
public struct EnvelopeError: Error, Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What went wrong, with a stable ``rawValue`` such as `envelope.missing-attribute`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: Sendable, Hashable {
            case json(JSONParseError.Code)
            case notAnObject
            case missingAttribute
            case invalidAttribute
            case unsupportedSpecversion
            case unknownType
        }

        let base: Base

        private init(_ base: Base) { self.base = base }

        /// The strict JSON parser rejected the bytes; ``rawValue`` is the parser's code (`json.*`).
        public static func json(_ code: JSONParseError.Code) -> Self { Self(.json(code)) }
        /// The document is JSON but not an object.
        public static let notAnObject = Self(.notAnObject)
        /// A required attribute (`id`, `source`, `type`, `subject`, `time`, `specversion`,
        /// `datacontenttype`, `dataschema`, `data`) is absent.
        public static let missingAttribute = Self(.missingAttribute)
        /// An attribute other than `data` is not a string.
        public static let invalidAttribute = Self(.invalidAttribute)
        /// `specversion` is not `1.0`.
        public static let unsupportedSpecversion = Self(.unsupportedSpecversion)
        /// `type` is not a Drehscheibe event type `de.migration.<domain>.<event>.v<N>`.
        public static let unknownType = Self(.unknownType)

        /// Stable identifier, e.g. `envelope.missing-attribute` or `json.duplicate-key`.
        public var rawValue: String {
            switch base {
            case .json(let code): return code.rawValue
            case .notAnObject: return "envelope.not-an-object"
            case .missingAttribute: return "envelope.missing-attribute"
            case .invalidAttribute: return "envelope.invalid-attribute"
            case .unsupportedSpecversion: return "envelope.unsupported-specversion"
            case .unknownType: return "envelope.unknown-type"
            }
        }

        /// The parser's code when the bytes were not acceptable JSON.
        public var jsonCode: JSONParseError.Code? {
            if case .json(let code) = base { return code }
            return nil
        }

        public var description: String { rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// The attribute concerned (`/type`), or the root for whole-document problems.
    public var pointer: JSONPointer
    /// Byte offset, line and column when the JSON parser rejected the bytes.
    public var offset: Int?
    public var line: Int?
    public var column: Int?

    public init(code: Code, pointer: JSONPointer = .root, offset: Int? = nil, line: Int? = nil, column: Int? = nil) {
        self.code = code
        self.pointer = pointer
        self.offset = offset
        self.line = line
        self.column = column
    }

    /// Wraps a parser error, keeping its position.
    public init(_ error: JSONParseError) {
        self.init(code: .json(error.code), offset: error.offset, line: error.line, column: error.column)
    }

    /// A plain-English explanation without message content.
    var explanation: String {
        let attribute = pointer.tokens.first.map { "'\($0)'" } ?? "the envelope"
        switch code.base {
        case .json(let jsonCode): return jsonCode.explanation
        case .notAnObject: return "a CloudEvents envelope must be a JSON object"
        case .missingAttribute: return "the required attribute \(attribute) is missing"
        case .invalidAttribute: return "the attribute \(attribute) must be a string"
        case .unsupportedSpecversion: return "specversion must be \"1.0\" (CloudEvents 1.0)"
        case .unknownType: return "type must be a Drehscheibe event type de.migration.<domain>.<event>.v<N>"
        }
    }

    public var description: String {
        if let offset, let line, let column {
            return "\(code.rawValue): \(explanation) at line \(line), column \(column) (byte offset \(offset))"
        }
        return "\(code.rawValue) at \(pointer.tokens.isEmpty ? "/" : pointer.description): \(explanation)"
    }

    public var debugDescription: String { "EnvelopeError(\(description))" }
}
