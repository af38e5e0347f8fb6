extension EventCatalogue {
    /// How a deprecated version becomes the next one (`upcastTo`). Pointers are relative to
    /// `data`; a step whose `from` is absent is skipped, and a step creates missing parent
    /// objects of its `path` (otherwise RFC 6902 `move` semantics). ``Upcaster`` applies them.
    public struct UpcastPlan: Sendable, Hashable {
        /// The version the steps produce.
        public let target: Int
        public let steps: [UpcastStep]
        /// Explanation for people.
        public let note: String?
    }

    /// One transformation of the data.
    public struct UpcastStep: Sendable, Hashable {
        /// The operations the catalogue may use.
        public enum Operation: String, Sendable, Hashable, CaseIterable {
            /// Move the value at `from` to `path`, wrapped in a one-element array
            /// (a single nationality becomes the list of nationalities).
            case wrapInArray = "wrap-in-array"
            /// Move the value at `from` to `path`.
            case move
        }

        public let operation: Operation
        /// Where the value is taken from (removed), relative to `data`.
        public let from: JSONPointer
        /// Where it is put, relative to `data`.
        public let path: JSONPointer

        public init(operation: Operation, from: JSONPointer, path: JSONPointer) {
            self.operation = operation
            self.from = from
            self.path = path
        }
    }
}
