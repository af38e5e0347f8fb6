/// Why an event could not be upcast to the current version of its type. The router
/// dead-letters these as `transform-failed`. Descriptions name pointers, never values.
public struct UpcastError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, with a stable ``rawValue`` such as `upcast.conflict`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable, Hashable {
            case unknownType = "upcast.unknown-type"
            case noPath = "upcast.no-path"
            case invalidData = "upcast.invalid-data"
            case conflict = "upcast.conflict"
            case invalidEnvelope = "upcast.invalid-envelope"
        }

        let base: Base

        private init(_ base: Base) { self.base = base }

        /// The catalogue does not list the event's type and version.
        public static let unknownType = Self(.unknownType)
        /// The version is neither current nor has steps to a later version.
        public static let noPath = Self(.noPath)
        /// `data` is not an object.
        public static let invalidData = Self(.invalidData)
        /// A step's target path runs through a member that is not an object.
        public static let conflict = Self(.conflict)
        /// The upcast envelope could not be read again (should not happen).
        public static let invalidEnvelope = Self(.invalidEnvelope)

        /// Stable identifier, e.g. `upcast.conflict`.
        public var rawValue: String { base.rawValue }
        public var description: String { base.rawValue }
    }

    public var code: Code
    /// The data pointer concerned (relative to the envelope, `/data/...`), when there is one.
    public var pointer: JSONPointer?
    /// What went wrong, without message content.
    public var detail: String

    public init(code: Code, pointer: JSONPointer? = nil, detail: String) {
        self.code = code
        self.pointer = pointer
        self.detail = detail
    }

    public var description: String {
        if let pointer { return "\(code.rawValue) at \(pointer): \(detail)" }
        return "\(code.rawValue): \(detail)"
    }
}
