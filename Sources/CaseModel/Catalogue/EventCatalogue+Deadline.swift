import Foundation

extension EventCatalogue {
    /// A legal deadline for the answer to an event, e.g. the silence period after which consent
    /// is deemed given (Zustimmungsfiktion, § 31 AufenthV, § 36 Abs. 2 BeschV). The requester
    /// sets `dueat` = `time` + the duration that applies.
    public struct Deadline: Sendable, Hashable {
        /// An ISO 8601 duration such as `P10D`.
        public let duration: String
        /// The legal rule in words.
        public let rule: String
        /// The legal basis, e.g. `§ 31 AufenthV`.
        public let legalBasis: String
        /// When the deadline applies at all; nil means always.
        public let appliesWhen: Condition?
        /// Other durations for special cases (e.g. the fast track); the first that applies wins.
        public let variants: [Variant]

        /// A special case with its own duration.
        public struct Variant: Sendable, Hashable {
            public let duration: String
            public let appliesWhen: Condition
            public let rule: String
        }

        /// The duration that applies to an event: the first matching variant, else the base
        /// duration if its condition holds, else nil (no deadline for this event).
        public func duration(for event: CaseEvent) -> String? {
            let envelope = JSONValue.object(event.object)
            if let variant = variants.first(where: { $0.appliesWhen.isSatisfied(by: envelope) }) { return variant.duration }
            if let appliesWhen, !appliesWhen.isSatisfied(by: envelope) { return nil }
            return duration
        }
    }

    /// A condition as the catalogue writes it: `<pointer into the envelope> is <JSON literal>`,
    /// e.g. `/data/securityConsultation is true`.
    public struct Condition: Sendable, Hashable, CustomStringConvertible {
        public let pointer: JSONPointer
        public let expected: JSONValue
        /// The catalogue's text.
        public let text: String

        /// Parses `<pointer> is <literal>`; nil for other text.
        public init?(_ text: String) {
            let parts = text.components(separatedBy: " is ")
            guard parts.count == 2, let pointer = JSONPointer(parts[0].trimmingCharacters(in: .whitespaces)),
                  !pointer.tokens.isEmpty,
                  let expected = try? JSONValue(parsing: parts[1].trimmingCharacters(in: .whitespaces)) else { return nil }
            self.pointer = pointer
            self.expected = expected
            self.text = text
        }

        /// Whether the envelope has the expected value at the pointer.
        public func isSatisfied(by envelope: JSONValue) -> Bool {
            envelope[pointer: pointer] == expected
        }

        public var description: String { text }
    }
}
