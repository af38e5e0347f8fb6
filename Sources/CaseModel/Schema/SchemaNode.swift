/// One compiled schema: its keywords as evaluators with references resolved to node indices.
struct SchemaNode: Sendable {
    /// Keywords while compiling; moved into the program's flat keyword array by `finish`.
    var keywords: [Keyword] = []
    /// This node's slice of the flat keyword array.
    var keywordStart = 0
    var keywordEnd = 0
    /// The node the fast path evaluates instead: the end of a chain of `$ref`-only schemas.
    var alias = 0
    /// Index of the schema resource this node belongs to (for the dynamic scope).
    var resource: Int = 0
    /// Absolute URI of the schema; its fragment is a JSON pointer.
    var location: String = ""
    /// A name for messages: the schema's `title` or its `$defs` name.
    var label: String?
    /// True when an `unevaluated*` keyword needs annotations from the other keywords.
    var collectsAnnotations = false
    /// True for the `false` schema.
    var isFalse = false
}

/// JSON types a `type` keyword allows.
struct TypeSet: OptionSet, Sendable {
    let rawValue: UInt8
    static let null = TypeSet(rawValue: 1)
    static let boolean = TypeSet(rawValue: 2)
    static let object = TypeSet(rawValue: 4)
    static let array = TypeSet(rawValue: 8)
    static let number = TypeSet(rawValue: 16)
    static let string = TypeSet(rawValue: 32)
    static let integer = TypeSet(rawValue: 64)

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init?(name: String) {
        switch name {
        case "null": self = .null
        case "boolean": self = .boolean
        case "object": self = .object
        case "array": self = .array
        case "number": self = .number
        case "string": self = .string
        case "integer": self = .integer
        default: return nil
        }
    }

    @inline(__always)
    func matches(_ value: JSONValue) -> Bool {
        switch value {
        case .null: return contains(.null)
        case .bool: return contains(.boolean)
        case .object: return contains(.object)
        case .array: return contains(.array)
        case .string: return contains(.string)
        case .number(let n): return contains(.number) || (contains(.integer) && n.isInteger)
        }
    }
}

/// Member names to subschemas; linear search for the usual handful, hashing beyond.
struct PropertyTable: Sendable {
    let names: [String]
    let nodes: [Int]
    let index: [JSONObject.HashKey: Int]?
    /// All names are ASCII, so the cheaper exact comparison applies.
    let ascii: Bool

    init(names: [String], nodes: [Int]) {
        self.names = names
        self.nodes = nodes
        ascii = names.allSatisfy(\.isASCII)
        if names.count > 8 {
            var index: [JSONObject.HashKey: Int] = [:]
            for (i, name) in names.enumerated() { index[JSONObject.HashKey(name)] = i }
            self.index = index
        } else {
            index = nil
        }
    }

    /// Like ``slot(_:)``, trying `hint` first (instances usually list members in schema order).
    @inline(__always)
    func slot(_ key: String, hint: inout Int) -> Int? {
        if hint < names.count, ascii ? key.equals(ascii: names[hint]) : names[hint].utf8Equals(key) {
            hint += 1
            return hint - 1
        }
        guard let found = slot(key) else { return nil }
        hint = found + 1
        return found
    }

    @inline(__always)
    func slot(_ key: String) -> Int? {
        if let index { return index[JSONObject.HashKey(key)] }
        if ascii {
            for i in names.indices where key.equals(ascii: names[i]) { return i }
        } else {
            for i in names.indices where names[i].utf8Equals(key) { return i }
        }
        return nil
    }
}

/// `properties`, `patternProperties` and `additionalProperties` evaluated in one pass over
/// the instance's members. A class so copying the keyword costs one retain.
///
/// When every `required` name of the same schema is one of (at most 64) `properties`, the
/// check is folded in as a bit mask over property slots: the member pass already finds each
/// name, so `required` costs one comparison instead of a search per name.
final class MembersRule: Sendable {
    let properties: PropertyTable
    let patterns: [(pattern: Pattern, node: Int)]
    let additional: Int?
    /// Bit `i` set: property slot `i` is required.
    let requiredMask: UInt64
    /// The required names in schema order, for messages.
    let requiredNames: [String]

    init(properties: PropertyTable, patterns: [(pattern: Pattern, node: Int)], additional: Int?,
         requiredMask: UInt64 = 0, requiredNames: [String] = []) {
        self.properties = properties
        self.patterns = patterns
        self.additional = additional
        self.requiredMask = requiredMask
        self.requiredNames = requiredNames
    }

    /// The mask for `names` if all are property names and the table has at most 64 slots.
    static func requiredMask(_ names: [String], in properties: PropertyTable) -> UInt64? {
        guard properties.names.count <= 64 else { return nil }
        var mask: UInt64 = 0
        for name in names {
            guard let slot = properties.slot(name) else { return nil }
            mask |= 1 << UInt64(slot)
        }
        return mask
    }
}

/// `enum` values, hashed when there are many.
final class EnumRule: Sendable {
    let values: [JSONValue]
    let set: Set<JSONValue>?
    /// The values when all are ASCII strings (the usual code lists): compared without the
    /// generic JSON equality.
    let asciiStrings: [String]?

    init(_ values: [JSONValue]) {
        self.values = values
        set = values.count > 8 ? Set(values) : nil
        let strings = values.compactMap(\.stringValue)
        asciiStrings = strings.count == values.count && strings.allSatisfy(\.isASCII) ? strings : nil
    }

    func contains(_ value: JSONValue) -> Bool {
        if let set { return set.contains(value) }
        if let asciiStrings {
            guard case .string(let string) = value else { return false }
            for candidate in asciiStrings where string.equals(ascii: candidate) { return true }
            return false
        }
        return values.contains(value)
    }
}

/// A compiled keyword. Payloads are plain integers (node indices, limits, or indices into
/// ``KeywordTables``) so iterating keywords copies no references: no retain/release traffic in
/// the hot loop.
enum Keyword: Sendable {
    case alwaysFalse
    case type(TypeSet)
    case const(Int)
    case enumeration(Int)
    case minimum(Int)
    case exclusiveMinimum(Int)
    case maximum(Int)
    case exclusiveMaximum(Int)
    case multipleOf(Int)
    case minLength(Int)
    case maxLength(Int)
    case pattern(Int)
    case format(Format)
    case minItems(Int)
    case maxItems(Int)
    case uniqueItems
    case minProperties(Int)
    case maxProperties(Int)
    case required(Int)
    case dependentRequired(Int)
    case members(Int)
    case propertyNames(Int)
    case dependentSchemas(Int)
    case prefixItems(Int)
    case items(node: Int, from: Int)
    /// `max` is `Int.max` when there is no `maxContains`.
    case contains(node: Int, min: Int, max: Int)
    case allOf(Int)
    case anyOf(Int)
    case oneOf(Int)
    case not(Int)
    /// `then`/`otherwise` are -1 when absent.
    case conditional(condition: Int, then: Int, otherwise: Int)
    case ref(Int)
    /// `anchor` indexes ``KeywordTables/strings``; -1 when the reference is static.
    case dynamicRef(node: Int, anchor: Int)
    case unevaluatedProperties(Int)
    case unevaluatedItems(Int)
    case codeList(Int)
    case mrzTD3
    case notInFuture
    case dateOrder(Int)

    /// The keyword's name in the schema, for locations.
    var name: String {
        switch self {
        case .alwaysFalse: return ""
        case .type: return "type"
        case .const: return "const"
        case .enumeration: return "enum"
        case .minimum: return "minimum"
        case .exclusiveMinimum: return "exclusiveMinimum"
        case .maximum: return "maximum"
        case .exclusiveMaximum: return "exclusiveMaximum"
        case .multipleOf: return "multipleOf"
        case .minLength: return "minLength"
        case .maxLength: return "maxLength"
        case .pattern: return "pattern"
        case .format: return "format"
        case .minItems: return "minItems"
        case .maxItems: return "maxItems"
        case .uniqueItems: return "uniqueItems"
        case .minProperties: return "minProperties"
        case .maxProperties: return "maxProperties"
        case .required: return "required"
        case .dependentRequired: return "dependentRequired"
        case .members: return "properties"
        case .propertyNames: return "propertyNames"
        case .dependentSchemas: return "dependentSchemas"
        case .prefixItems: return "prefixItems"
        case .items: return "items"
        case .contains: return "contains"
        case .allOf: return "allOf"
        case .anyOf: return "anyOf"
        case .oneOf: return "oneOf"
        case .not: return "not"
        case .conditional: return "if"
        case .ref: return "$ref"
        case .dynamicRef: return "$dynamicRef"
        case .unevaluatedProperties: return "unevaluatedProperties"
        case .unevaluatedItems: return "unevaluatedItems"
        case .codeList: return "x-codeList"
        case .mrzTD3: return "x-mrz"
        case .notInFuture: return "x-notInFuture"
        case .dateOrder: return "x-dateOrder"
        }
    }
}

/// The reference-holding payloads of keywords, indexed by the integers in ``Keyword``.
struct KeywordTables: Sendable {
    var values: [JSONValue] = []
    var numbers: [JSONNumber] = []
    var enums: [EnumRule] = []
    var patterns: [Pattern] = []
    /// `required` lists, with whether all names are ASCII.
    var names: [Box<(names: [String], ascii: Bool)>] = []
    var dependentRequired: [[(name: String, required: [String])]] = []
    var members: [MembersRule] = []
    var dependentSchemas: [[(name: String, node: Int)]] = []
    var nodeLists: [Box<[Int]>] = []
    var codeLists: [Box<CodeList>] = []
    var dateOrders: [Box<[DateOrderRule]>] = []
    var strings: [String] = []

    /// Appends to one table and returns the index.
    mutating func add<T>(_ table: WritableKeyPath<KeywordTables, [T]>, _ value: T) -> Int {
        self[keyPath: table].append(value)
        return self[keyPath: table].count - 1
    }
}
