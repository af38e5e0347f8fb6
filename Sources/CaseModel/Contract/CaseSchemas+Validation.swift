extension CaseSchemas {
    /// Validates an event as the router does: the envelope against the envelope schema, `data`
    /// against the data schema of its type and version (error locations start with `/data`),
    /// and `dataschema` against the catalogue's `$id` for the type.
    public func validate(_ event: CaseEvent) -> ValidationResult {
        validate(envelope: .object(event.object))
    }

    /// Parses bytes with the strict parser and validates the envelope. Unlike
    /// ``CaseEvent/decode(_:limits:)`` this reports every contract violation (a wrong
    /// `specversion` is a `const` error here), which is what people testing messages want.
    public func validate(bytes: [UInt8], limits: JSONParser.Limits = .init()) throws(JSONParseError) -> ValidationResult {
        validate(envelope: try JSONParser(limits: limits).parse(bytes))
    }

    /// Validates any JSON value as an envelope; see ``validate(_:)``. The data schema is chosen
    /// by `type`; an unknown type is an error at `/type`.
    public func validate(envelope: JSONValue) -> ValidationResult {
        var errors = envelopeSchema.validate(envelope).errors
        guard case .object(let object) = envelope else { return ValidationResult(errors: errors) }
        let reported = Set(errors.map(\.instanceLocation))
        guard case .string(let typeText)? = object["type"], let type = EventTypeName(typeText) else {
            // A missing or malformed type is already an envelope schema error.
            return ValidationResult(errors: errors)
        }
        guard let (entryIndex, version) = catalogueVersion(of: type), let schema = dataSchemas[type] else {
            if !reported.contains(Self.typePointer) {
                errors.append(SchemaViolation(
                    instanceLocation: Self.typePointer, keywordLocation: JSONPointer(tokens: ["properties", "type", "enum"]),
                    absoluteKeywordLocation: "\(catalogue.identifier)#/events", keyword: "enum",
                    message: "/type: 'type' is not an event type and version of the event catalogue"))
            }
            return ValidationResult(errors: errors)
        }
        if case .string(let dataschema)? = object["dataschema"], dataschema != version.schemaID,
           !reported.contains(Self.dataschemaPointer) {
            errors.append(SchemaViolation(
                instanceLocation: Self.dataschemaPointer, keywordLocation: JSONPointer(tokens: ["properties", "dataschema", "const"]),
                absoluteKeywordLocation: "\(catalogue.identifier)#/events/\(entryIndex)/versions/\(version.label)/$id",
                keyword: "const",
                message: "/dataschema: 'dataschema' must be the $id of the data schema of \(type.full): \(version.schemaID)"))
        }
        // Data that is not an object is an envelope schema error already.
        if case .object? = object["data"], let data = object["data"] {
            errors += schema.validate(data, at: Self.dataPointer).errors
        }
        return ValidationResult(errors: errors)
    }

    /// Only the data schema of `type` (locations relative to the data).
    public func validate(data: JSONValue, type: EventTypeName) -> ValidationResult? {
        dataSchemas[type]?.validate(data)
    }

    static let typePointer = JSONPointer(tokens: ["type"])
    static let dataschemaPointer = JSONPointer(tokens: ["dataschema"])
    static let dataPointer = JSONPointer(tokens: ["data"])

    private func catalogueVersion(of type: EventTypeName) -> (Int, EventCatalogue.Version)? {
        guard let index = catalogue.entries.firstIndex(where: { $0.name == type.name }),
              let version = catalogue.entries[index].version(type.version) else { return nil }
        return (index, version)
    }
}
