extension EventCatalogue {
    /// One version of an event type: its data schema and, when deprecated, how to upcast it.
    public struct Version: Sendable, Hashable {
        /// Whether producers should still send this version.
        public enum Status: String, Sendable, Hashable {
            /// The version consumers receive.
            case current
            /// Accepted from producers and upcast by the router before delivery.
            case deprecated
        }

        /// The versioned type, e.g. `de.migration.asylum.seeker-registered.v1`.
        public let type: EventTypeName
        /// The schema file relative to `Schemas/`, e.g. `events/asylum.seeker-registered.v1.schema.json`.
        public let schemaPath: String
        /// The data schema's `$id`; the envelope's `dataschema` must equal it.
        public let schemaID: String
        /// The routing key on `case.ingress` (the versioned type).
        public let routingKey: String
        public let status: Status
        /// The steps to the next version, for deprecated versions.
        public let upcast: UpcastPlan?

        /// The version number.
        public var number: Int { type.version }

        /// `v<N>`.
        public var label: String { type.versionLabel }
    }
}
