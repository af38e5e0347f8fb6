/// Why a schema (or a code list for it) could not be compiled.
///
/// Schemas are configuration, not personal data, so ``detail`` may quote schema content.
public struct SchemaCompileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, with a stable ``rawValue`` such as `schema.unresolved-reference`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable, Hashable {
            case invalidSchema = "schema.invalid"
            case invalidJSON = "schema.invalid-json"
            case unresolvedReference = "schema.unresolved-reference"
            case unsupportedVocabulary = "schema.unsupported-vocabulary"
            case invalidPattern = "schema.invalid-pattern"
            case unknownCodeList = "schema.unknown-code-list"
            case invalidCodeList = "schema.invalid-code-list"
            case unreadableFile = "schema.unreadable-file"
            case tooDeep = "schema.too-deep"
        }

        let base: Base

        private init(_ base: Base) { self.base = base }

        /// A keyword has a value of the wrong type or range.
        public static let invalidSchema = Self(.invalidSchema)
        /// A schema or code-list file is not valid JSON.
        public static let invalidJSON = Self(.invalidJSON)
        /// A `$ref` or `$dynamicRef` points to nothing in the registry.
        public static let unresolvedReference = Self(.unresolvedReference)
        /// A meta-schema requires a vocabulary this validator does not implement.
        public static let unsupportedVocabulary = Self(.unsupportedVocabulary)
        /// A `pattern` or `patternProperties` regular expression does not compile.
        public static let invalidPattern = Self(.invalidPattern)
        /// `x-codeList` names a list the registry does not have.
        public static let unknownCodeList = Self(.unknownCodeList)
        /// A code-list file does not have the expected shape.
        public static let invalidCodeList = Self(.invalidCodeList)
        /// A file or directory could not be read.
        public static let unreadableFile = Self(.unreadableFile)
        /// References chain deeper than the compiler follows.
        public static let tooDeep = Self(.tooDeep)

        /// Stable identifier, e.g. `schema.unresolved-reference`.
        public var rawValue: String { base.rawValue }
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// Where in which schema (an absolute keyword location), if known.
    public var location: String?
    /// Human explanation; may quote schema content.
    public var detail: String

    public init(code: Code, location: String? = nil, detail: String) {
        self.code = code
        self.location = location
        self.detail = detail
    }

    public var description: String {
        if let location { return "\(code.rawValue) at \(location): \(detail)" }
        return "\(code.rawValue): \(detail)"
    }
}
