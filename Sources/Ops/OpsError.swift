/// An error from the operations layer: a stable `code` and a short `context` (ids, roles,
/// pointers; never message contents). Store errors pass through as `StoreError`.
public struct OpsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, opaque error kind. Compare with the static members; new kinds may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        private init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The operator's role does not allow it (the attempt is audited).
        public static let forbidden = Code("ops.forbidden")
        /// Not logged in, or the credentials are wrong.
        public static let unauthenticated = Code("ops.unauthenticated")
        /// The request is malformed: a bad patch, filter or target.
        public static let invalidRequest = Code("ops.invalid-request")
        /// The edit does not apply to the message (a patch operation failed).
        public static let editFailed = Code("ops.edit-failed")
        /// The broker or its management API is not reachable.
        public static let unavailable = Code("ops.unavailable")
        /// A configuration file is missing or wrong.
        public static let configuration = Code("ops.configuration")
    }

    public var code: Code
    public var context: String

    public init(_ code: Code, _ context: String) {
        self.code = code
        self.context = context
    }

    public var description: String { "OpsError(\(code.rawValue)): \(context)" }
}
