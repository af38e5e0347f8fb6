/// Why `catalogue.json` could not be read. The catalogue is configuration, not personal data,
/// so ``detail`` may quote it.
public struct CatalogueError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, with a stable ``rawValue`` such as `catalogue.invalid`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable, Hashable {
            case unreadableFile = "catalogue.unreadable-file"
            case invalidJSON = "catalogue.invalid-json"
            case invalid = "catalogue.invalid"
        }

        let base: Base

        private init(_ base: Base) { self.base = base }

        /// The file could not be read.
        public static let unreadableFile = Self(.unreadableFile)
        /// The file is not strict JSON.
        public static let invalidJSON = Self(.invalidJSON)
        /// A member is missing, has the wrong type, or contradicts another (see ``CatalogueError/pointer``).
        public static let invalid = Self(.invalid)

        /// Stable identifier, e.g. `catalogue.invalid`.
        public var rawValue: String { base.rawValue }
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// Where in the catalogue, e.g. `/events/3/versions/v1/upcastTo/steps/0/op`.
    public var pointer: JSONPointer
    /// Human explanation.
    public var detail: String

    public init(code: Code, pointer: JSONPointer = .root, detail: String) {
        self.code = code
        self.pointer = pointer
        self.detail = detail
    }

    public var description: String {
        "\(code.rawValue) at \(pointer.tokens.isEmpty ? "/" : pointer.description): \(detail)"
    }
}
