/// One failed assertion, in the shape of the JSON Schema "basic" output unit.
///
/// ``message`` is plain English for people who do not know JSON Schema. It names fields and
/// the schema's expectations but never repeats string values of the instance, which may be
/// personal data.
public struct SchemaViolation: Sendable, Hashable, CustomStringConvertible {
    /// Where in the instance, e.g. `/data/person/birthDate`.
    public var instanceLocation: JSONPointer
    /// The evaluation path through the schema, including `$ref` hops.
    public var keywordLocation: JSONPointer
    /// The failing keyword's canonical URI, e.g. `https://…/person.json#/properties/birthDate/format`.
    public var absoluteKeywordLocation: String
    /// The failing keyword, e.g. `required`, `format`, `x-codeList`.
    public var keyword: String
    /// What is wrong, prefixed with the instance location.
    public var message: String

    public init(instanceLocation: JSONPointer, keywordLocation: JSONPointer, absoluteKeywordLocation: String,
                keyword: String, message: String) {
        self.instanceLocation = instanceLocation
        self.keywordLocation = keywordLocation
        self.absoluteKeywordLocation = absoluteKeywordLocation
        self.keyword = keyword
        self.message = message
    }

    public var description: String { message }
}
