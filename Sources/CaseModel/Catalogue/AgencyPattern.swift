/// A pattern over agency ids as the catalogue writes producers, consumers and routes: an exact
/// id (`bka`, `abh.berlin`) or every instance of a kind (`abh.*`, `av.*`, `lpol.*`).
public struct AgencyPattern: Hashable, Sendable, CustomStringConvertible {
    /// The kind, e.g. `abh`.
    public let kind: String
    /// The exact agency, or nil for `<kind>.*`.
    public let agency: AgencyID?

    /// Parses `<kind>.*` for the kinds with instances, or an exact agency id; nil otherwise.
    public init?(_ text: String) {
        if text.hasSuffix(".*") {
            let kind = String(text.dropLast(2))
            guard AgencyID.instanceKinds.contains(kind) else { return nil }
            self.kind = kind
            agency = nil
        } else {
            guard let id = AgencyID(text) else { return nil }
            kind = id.kind
            agency = id
        }
    }

    /// The pattern matching exactly `agency`.
    public init(exactly agency: AgencyID) {
        kind = agency.kind
        self.agency = agency
    }

    /// True for `<kind>.*`.
    public var isWildcard: Bool { agency == nil }

    /// Whether the agency id (which must itself be valid) matches.
    public func matches(_ agencyID: String) -> Bool {
        guard let id = AgencyID(agencyID) else { return false }
        return matches(id)
    }

    /// Whether the agency matches: the same id, or any instance of the wildcard's kind.
    public func matches(_ id: AgencyID) -> Bool {
        if let agency { return agency == id }
        return id.kind == kind && id.instance != nil
    }

    /// The pattern as the catalogue writes it: `abh.*` or `bka`.
    public var pattern: String { agency?.rawValue ?? kind + ".*" }

    public var description: String { pattern }
}
