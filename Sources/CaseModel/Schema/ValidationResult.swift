/// The outcome of ``CompiledSchema/validate(_:)``.
public struct ValidationResult: Sendable, Hashable {
    /// Every failed assertion; empty when the instance is valid.
    public var errors: [SchemaViolation]

    public init(errors: [SchemaViolation]) {
        self.errors = errors
    }

    /// True when there are no errors.
    public var isValid: Bool { errors.isEmpty }

    /// The specification's "basic" output format as JSON.
    public var basicOutput: JSONValue {
        var object = JSONObject()
        object["valid"] = .bool(isValid)
        if !isValid {
            object["errors"] = .array(errors.map { error in
                var unit = JSONObject()
                unit["keywordLocation"] = .string(error.keywordLocation.description)
                unit["absoluteKeywordLocation"] = .string(error.absoluteKeywordLocation)
                unit["instanceLocation"] = .string(error.instanceLocation.description)
                unit["error"] = .string(error.message)
                return .object(unit)
            })
        }
        return .object(object)
    }
}
