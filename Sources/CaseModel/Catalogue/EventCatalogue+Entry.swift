extension EventCatalogue {
    /// One event type (without version) of the catalogue.
    public struct Entry: Sendable, Hashable {
        /// The type without version, e.g. `de.migration.asylum.seeker-registered`.
        public let name: String
        /// German and English titles.
        public let title: Title
        /// The versions, ascending.
        public let versions: [Version]
        /// The current version's number; older ones are deprecated and upcast to it.
        public let currentVersion: Int
        /// Agencies allowed to emit the type; the router rejects other senders as `unauthorized`.
        public let producers: [AgencyPattern]
        /// Agencies that may receive the type.
        public let consumers: [AgencyPattern]
        /// How the router selects recipients, in catalogue order.
        public let routing: [Route]
        /// The legal bases (Rechtsgrundlagen) of the transmission, e.g. `§ 73 AufenthG`.
        public let legalBasis: [String]
        /// The legal deadline for an answer, if there is one.
        public let deadline: Deadline?
        /// Explanation for people.
        public let note: String

        /// The version with this number, or nil.
        public func version(_ number: Int) -> Version? {
            versions.first { $0.number == number }
        }

        /// Whether the catalogue lists this version number.
        public func hasVersion(_ number: Int) -> Bool {
            versions.contains { $0.number == number }
        }

        /// The current version.
        public var current: Version {
            // Decoding guarantees that `currentVersion` names a listed version.
            version(currentVersion)!
        }

        /// Whether the agency may produce this type.
        public func isProducer(_ agency: AgencyID) -> Bool {
            producers.contains { $0.matches(agency) }
        }

        /// Whether the agency may receive this type.
        public func isConsumer(_ agency: AgencyID) -> Bool {
            consumers.contains { $0.matches(agency) }
        }
    }

    /// A title in German and English.
    public struct Title: Sendable, Hashable {
        public let de: String
        public let en: String
    }
}
