/// An error from the store: a stable `code`, a short `context` saying what the store was doing
/// (ids and states, never message contents), and the database error underneath, if any.
///
/// The description never contains message bodies or statement arguments: GRDB and PostgresNIO
/// both leave arguments out of their error descriptions, so errors can be logged as they are.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// A stable, opaque error kind. Compare with the static members; new kinds may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// A dotted identifier such as `store.not-found`, stable across releases.
        public let rawValue: String
        private init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The store location (`sqlite:PATH`, `postgres://…`) is invalid.
        public static let invalidLocation = Code("store.invalid-location")
        /// An argument is out of range or malformed (a filter, a page size, a reason).
        public static let invalidArgument = Code("store.invalid-argument")
        /// The dead letter, replay or record does not exist.
        public static let notFound = Code("store.not-found")
        /// The current state does not allow the change, e.g. editing a discarded dead letter,
        /// or another runner holds the replay.
        public static let conflict = Code("store.conflict")
        /// The database failed (connection, constraint, disk).
        public static let database = Code("store.database")
        /// A stored value cannot be read back: the schema or the data was changed from outside.
        public static let corrupted = Code("store.corrupted")
        /// The audit checkpoint key or checkpoints file cannot be read, written or trusted (a
        /// key others may read, a public key that is not the key's).
        public static let checkpointFiles = Code("store.checkpoint-files")
    }

    public var code: Code
    /// What the store was doing or what was wrong, without personal data.
    public var context: String
    /// The database error, when one caused this.
    public var underlying: (any Error & Sendable)?

    public init(_ code: Code, _ context: String, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.context = context
        self.underlying = underlying
    }

    public var description: String {
        var text = "StoreError(\(code.rawValue)): \(context)"
        if let underlying { text += ": \(String(describing: underlying))" }
        return text
    }

    static func notFound(_ context: String) -> StoreError { StoreError(.notFound, context) }
    static func conflict(_ context: String) -> StoreError { StoreError(.conflict, context) }
    static func invalidArgument(_ context: String) -> StoreError { StoreError(.invalidArgument, context) }
    static func corrupted(_ context: String) -> StoreError { StoreError(.corrupted, context) }
    static func checkpointFiles(_ context: String) -> StoreError { StoreError(.checkpointFiles, context) }
}
