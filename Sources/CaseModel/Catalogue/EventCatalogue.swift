import Foundation

/// The event catalogue, `Schemas/catalogue.json`: every event type with its versions and data
/// schemas, who may produce and who receives it, how recipients are selected, its legal basis
/// (Rechtsgrundlage) and legal deadline (Frist).
public struct EventCatalogue: Sendable, Hashable {
    /// The catalogue's URN (`catalogue`), e.g. `urn:de:migration:drehscheibe:catalogue`.
    public let identifier: String
    /// The catalogue's version, e.g. `2026-11-29`.
    public let version: String
    /// The catalogue's title.
    public let title: String
    /// One entry per event type, in file order.
    public let entries: [Entry]
    private let positions: [String: Int]

    init(identifier: String, version: String, title: String, entries: [Entry]) {
        self.identifier = identifier
        self.version = version
        self.title = title
        self.entries = entries
        var positions: [String: Int] = [:]
        for (i, entry) in entries.enumerated() { positions[entry.name] = i }
        self.positions = positions
    }

    /// The entry of a type, named without version (`de.migration.asylum.seeker-registered`);
    /// a versioned name finds its type's entry too.
    public func entry(named name: String) -> Entry? {
        if let index = positions[name] { return entries[index] }
        return EventTypeName(name).flatMap { positions[$0.name] }.map { entries[$0] }
    }

    /// The entry of a versioned type, whether or not the catalogue knows that version.
    public func entry(for type: EventTypeName) -> Entry? {
        positions[type.name].map { entries[$0] }
    }

    /// The catalogue's description of exactly this type and version, or nil when the type or
    /// the version is unknown (the router's `unknown-type`).
    public func version(of type: EventTypeName) -> Version? {
        entry(for: type)?.version(type.version)
    }

    /// Every type and version the catalogue lists, sorted.
    public var allTypes: [EventTypeName] {
        entries.flatMap { $0.versions.map(\.type) }.sorted()
    }
}
