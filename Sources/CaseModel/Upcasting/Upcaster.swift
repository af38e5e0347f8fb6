/// Brings events of deprecated versions to the current version of their type by the
/// catalogue's `upcastTo` steps, so consumers only ever receive current versions.
///
/// Pure: no I/O, no clock. The result has the new `type` and `dataschema` and otherwise the
/// original envelope (same id: an upcast message is the same message).
public struct Upcaster: Sendable {
    public let catalogue: EventCatalogue

    public init(catalogue: EventCatalogue) {
        self.catalogue = catalogue
    }

    /// The event in the current version of its type; current events come back unchanged.
    public func upcast(_ event: CaseEvent) throws(UpcastError) -> CaseEvent {
        guard let entry = catalogue.entry(for: event.eventType) else {
            throw UpcastError(code: .unknownType, pointer: JSONPointer(tokens: ["type"]),
                              detail: "the catalogue does not list \(event.eventType.name)")
        }
        return try upcast(event, to: entry.currentVersion)
    }

    /// The event in version `target` of its type, following the `upcastTo` steps; an event
    /// already in that version comes back unchanged.
    public func upcast(_ event: CaseEvent, to target: Int) throws(UpcastError) -> CaseEvent {
        guard let entry = catalogue.entry(for: event.eventType), var version = entry.version(event.eventType.version) else {
            throw UpcastError(code: .unknownType, pointer: JSONPointer(tokens: ["type"]),
                              detail: "the catalogue does not list \(event.eventType)")
        }
        if version.number == target { return event }
        var data = event.data
        // Decoding guarantees every plan targets a later listed version, so this ends.
        while version.number != target {
            guard version.number < target, let plan = version.upcast, let next = entry.version(plan.target) else {
                throw UpcastError(code: .noPath, detail: "\(event.eventType) has no upcast to v\(target)")
            }
            data = try Self.apply(plan.steps, to: data)
            version = next
        }
        do {
            return try event.replacing([
                "type": .string(version.type.full),
                "dataschema": .string(version.schemaID),
                "data": data,
            ])
        } catch {
            throw UpcastError(code: .invalidEnvelope, detail: "the upcast envelope is not readable: \(error)")
        }
    }

    /// Applies steps to event data: each takes the value at `from` (skipped when absent) and
    /// puts it, or for `wrap-in-array` a one-element array of it, at `path`, creating missing
    /// parent objects and replacing an existing member there.
    public static func apply(_ steps: [EventCatalogue.UpcastStep], to data: JSONValue) throws(UpcastError) -> JSONValue {
        guard case .object = data else {
            throw UpcastError(code: .invalidData, pointer: JSONPointer(tokens: ["data"]), detail: "data is not an object")
        }
        var data = data
        for step in steps {
            guard let value = remove(step.from.tokens[...], from: &data) else { continue }
            let placed: JSONValue
            switch step.operation {
            case .wrapInArray: placed = .array([value])
            case .move: placed = value
            }
            try put(placed, at: step.path.tokens[...], into: &data, pointer: JSONPointer(tokens: ["data"]))
        }
        return data
    }

    /// Removes and returns the member at `tokens`, or nil when a step of the way is missing or
    /// not an object.
    static func remove(_ tokens: ArraySlice<String>, from value: inout JSONValue) -> JSONValue? {
        guard case .object(var object) = value, let first = tokens.first else { return nil }
        guard var child = object[first] else { return nil }
        if tokens.count == 1 {
            object[first] = nil
            value = .object(object)
            return child
        }
        guard let removed = remove(tokens.dropFirst(), from: &child) else { return nil }
        object[first] = child
        value = .object(object)
        return removed
    }

    /// Sets the member at `tokens`, creating missing parent objects.
    static func put(_ newValue: JSONValue, at tokens: ArraySlice<String>, into value: inout JSONValue,
                    pointer: JSONPointer) throws(UpcastError) {
        guard case .object(var object) = value else {
            throw UpcastError(code: .conflict, pointer: pointer, detail: "the target path runs through a member that is not an object")
        }
        guard let first = tokens.first else { return }
        if tokens.count == 1 {
            object[first] = newValue
        } else {
            var child = object[first] ?? .object(JSONObject())
            try put(newValue, at: tokens.dropFirst(), into: &child, pointer: pointer.appending(first))
            object[first] = child
        }
        value = .object(object)
    }
}
