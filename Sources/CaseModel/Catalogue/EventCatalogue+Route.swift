extension EventCatalogue {
    /// One way the router selects recipients of a type.
    public struct Route: Sendable, Hashable {
        /// The recipients this route may deliver to.
        public let to: AgencyPattern
        /// A pointer into the (upcast) envelope whose string value names the recipient, e.g.
        /// `/data/responsibleOffice`; a `*` token stands for every array item. Nil for fixed
        /// recipients.
        public let selectBy: JSONPointer?
        /// The route applies only to messages from these producers; nil means from every producer.
        public let fromProducers: [AgencyPattern]?
        /// The route applies only when ``selectBy`` yields a matching agency; otherwise a
        /// route that selects nobody makes the message unroutable.
        public let optional: Bool
        /// Explanation for people.
        public let note: String?

        /// Whether the route applies to a message from `producer`.
        public func applies(toProducer producer: AgencyID) -> Bool {
            fromProducers?.contains { $0.matches(producer) } ?? true
        }

        /// The values ``selectBy`` addresses in an envelope (every item for `*` steps); empty
        /// for fixed routes and absent members.
        public func selectedValues(in envelope: JSONValue) -> [JSONValue] {
            guard let selectBy else { return [] }
            var current = [envelope]
            for token in selectBy.tokens {
                var next: [JSONValue] = []
                for value in current {
                    switch value {
                    case .array(let items) where token == "*":
                        next.append(contentsOf: items)
                    case .array(let items):
                        if let index = JSONPointer.arrayIndex(token), index < items.count { next.append(items[index]) }
                    case .object(let object):
                        if let member = object[token] { next.append(member) }
                    default:
                        break
                    }
                }
                current = next
            }
            return current
        }

        /// The recipients of this route for an event: the fixed agency of an exact `to`
        /// without ``selectBy``, or the agency ids ``selectBy`` yields that match ``to``.
        /// Does not apply ``fromProducers`` or the rule that nothing goes back to its producer.
        public func recipients(of event: CaseEvent) -> [AgencyID] {
            guard selectBy != nil else { return to.agency.map { [$0] } ?? [] }
            var result: [AgencyID] = []
            for value in selectedValues(in: .object(event.object)) {
                if case .string(let text) = value, let id = AgencyID(text), to.matches(id), !result.contains(id) {
                    result.append(id)
                }
            }
            return result
        }
    }
}
