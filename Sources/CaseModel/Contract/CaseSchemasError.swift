/// Why a `Schemas/` directory could not be loaded. Schemas are configuration, not personal
/// data, so ``detail`` may quote them.
public struct CaseSchemasError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, with a stable ``rawValue`` such as `schemas.invalid-schema`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable, Hashable {
            case notFound = "schemas.not-found"
            case invalidSchema = "schemas.invalid-schema"
            case invalidCodeList = "schemas.invalid-code-list"
            case invalidCatalogue = "schemas.invalid-catalogue"
            case inconsistent = "schemas.inconsistent"
        }

        let base: Base

        private init(_ base: Base) { self.base = base }

        /// The directory, or a file every contract needs, does not exist.
        public static let notFound = Self(.notFound)
        /// A schema file is unreadable, not JSON, or does not compile.
        public static let invalidSchema = Self(.invalidSchema)
        /// A code list is unreadable or malformed.
        public static let invalidCodeList = Self(.invalidCodeList)
        /// `catalogue.json` is unreadable or malformed.
        public static let invalidCatalogue = Self(.invalidCatalogue)
        /// The catalogue names a schema file or `$id` that the directory does not have.
        public static let inconsistent = Self(.inconsistent)

        /// Stable identifier, e.g. `schemas.inconsistent`.
        public var rawValue: String { base.rawValue }
        public var description: String { base.rawValue }
    }

    public var code: Code
    /// What went wrong and in which file.
    public var detail: String

    public init(code: Code, detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code.rawValue): \(detail)" }
}
