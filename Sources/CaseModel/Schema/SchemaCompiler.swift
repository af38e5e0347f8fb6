/// Turns registered schema JSON into ``SchemaNode``s once, so validation never looks at schema
/// JSON, parses URIs or compiles regular expressions.
struct SchemaCompiler {
    let registry: SchemaRegistry
    let options: ValidationOptions
    var nodes: [SchemaNode] = []
    var memo: [SchemaLocation: Int] = [:]
    var resourceIndex: [String: Int] = [:]
    var resources: [CompiledSchema.Resource] = []
    var vocabularyCache: [String: Vocabularies] = [:]
    var usesDynamicScope = false
    var depth = 0
    var tables = KeywordTables()

    init(registry: SchemaRegistry, options: ValidationOptions) {
        self.registry = registry
        self.options = options
    }

    /// Flattens keywords into one array (no per-node array retains while validating) and
    /// resolves `$ref`-only schemas to their targets for the fast path.
    func finish(root: Int) -> CompiledSchema {
        var nodes = self.nodes
        var keywords: [Keyword] = []
        for i in nodes.indices {
            nodes[i].keywordStart = keywords.count
            keywords.append(contentsOf: nodes[i].keywords)
            nodes[i].keywordEnd = keywords.count
            nodes[i].alias = i
        }
        if !usesDynamicScope {
            for i in nodes.indices {
                var target = i
                var hops = 0
                while hops < 32, nodes[target].keywords.count == 1, !nodes[target].collectsAnnotations,
                      case .ref(let next) = nodes[target].keywords[0], next != target {
                    target = next
                    hops += 1
                }
                nodes[i].alias = hops < 32 ? target : i
            }
        }
        for i in nodes.indices { nodes[i].keywords = [] }
        return CompiledSchema(program: CompiledSchema.Program(
            nodes: nodes, keywords: keywords, tables: tables, resources: resources, root: root,
            usesDynamicScope: usesDynamicScope, options: options))
    }

    /// The node for the schema at `location`, compiling it (and what it references) on first use.
    mutating func node(at location: SchemaLocation) throws(SchemaCompileError) -> Int {
        if let index = memo[location] { return index }
        guard let value = registry.value(at: location) else {
            throw SchemaCompileError(code: .unresolvedReference, detail: "no schema at \(describe(location))")
        }
        depth += 1
        defer { depth -= 1 }
        if depth > 500 {
            throw SchemaCompileError(code: .tooDeep, location: describe(location), detail: "schemas nest or reference each other too deeply")
        }
        let index = nodes.count
        nodes.append(SchemaNode())
        memo[location] = index
        let info = registry.locationInfo(location)
        var node = SchemaNode()
        node.location = describe(location, info: info)
        node.resource = try resource(info.resource)
        switch value {
        case .bool(true):
            break
        case .bool(false):
            node.keywords = [.alwaysFalse]
            node.isFalse = true
        case .object(let object):
            try compile(object, at: location, info: info, into: &node)
        default:
            throw SchemaCompileError(code: .invalidSchema, location: node.location, detail: "a schema must be an object or a boolean")
        }
        nodes[index] = node
        return index
    }

    /// The index of a schema resource; compiles its `$dynamicAnchor`s so `$dynamicRef` can jump
    /// to them from any dynamic scope.
    mutating func resource(_ uri: String) throws(SchemaCompileError) -> Int {
        if let index = resourceIndex[uri] { return index }
        let index = resources.count
        resources.append(CompiledSchema.Resource(uri: uri, dynamicAnchors: [:]))
        resourceIndex[uri] = index
        for (name, location) in (registry.dynamicAnchors[uri] ?? [:]).sorted(by: { $0.key < $1.key }) {
            let target = try node(at: location)
            resources[index].dynamicAnchors[name] = target
        }
        return index
    }

    func describe(_ location: SchemaLocation, info: SchemaLocationInfo? = nil) -> String {
        let info = info ?? registry.locationInfo(location)
        let relative = Array(location.pointer.dropFirst(info.resourcePointer.count))
        return info.resource + "#" + JSONPointer(tokens: relative).description
    }

    // MARK: Keywords

    mutating func compile(_ object: JSONObject, at location: SchemaLocation, info: SchemaLocationInfo,
                          into compiled: inout SchemaNode) throws(SchemaCompileError) {
        let vocabularies = try self.vocabularies(for: info.dialect)
        let here = compiled.location
        func fail(_ keyword: String, _ detail: String) -> SchemaCompileError {
            SchemaCompileError(code: .invalidSchema, location: here + "/" + keyword, detail: detail)
        }
        func child(_ path: String...) throws(SchemaCompileError) -> Int {
            try self.node(at: SchemaLocation(document: location.document, pointer: location.pointer + path))
        }
        func nonNegative(_ keyword: String) throws(SchemaCompileError) -> Int? {
            guard let value = object[keyword] else { return nil }
            guard case .number(let n) = value, n.isInteger, !n.isNegative else {
                throw fail(keyword, "\(keyword) must be a non-negative integer")
            }
            return n.int64Value.map { Int(clamping: $0) } ?? Int.max
        }
        func number(_ keyword: String) throws(SchemaCompileError) -> JSONNumber? {
            guard let value = object[keyword] else { return nil }
            guard case .number(let n) = value else { throw fail(keyword, "\(keyword) must be a number") }
            return n
        }
        func schemaArray(_ keyword: String) throws(SchemaCompileError) -> [Int]? {
            guard let value = object[keyword] else { return nil }
            guard case .array(let items) = value, !items.isEmpty else {
                throw fail(keyword, "\(keyword) must be a non-empty array of schemas")
            }
            var result: [Int] = []
            for i in items.indices { result.append(try child(keyword, String(i))) }
            return result
        }
        func stringArray(_ value: JSONValue, _ keyword: String) throws(SchemaCompileError) -> [String] {
            guard case .array(let items) = value else { throw fail(keyword, "\(keyword) must be an array of strings") }
            var result: [String] = []
            for item in items {
                guard case .string(let s) = item else { throw fail(keyword, "\(keyword) must be an array of strings") }
                result.append(s)
            }
            return result
        }

        if case .string(let title)? = object["title"] {
            compiled.label = title
        } else if location.pointer.count >= 2, location.pointer[location.pointer.count - 2] == "$defs" {
            compiled.label = location.pointer.last
        }

        var keywords: [Keyword] = []
        var applicators: [Keyword] = []
        var requiredNames: [String] = []
        let base = URIReference(info.base)

        // Core.
        if let value = object["$ref"] {
            guard case .string(let reference) = value else { throw fail("$ref", "$ref must be a string") }
            let target = try registry.resolve(reference, against: base)
            applicators.append(.ref(try self.node(at: target)))
        }
        if let value = object["$dynamicRef"] {
            guard case .string(let reference) = value else { throw fail("$dynamicRef", "$dynamicRef must be a string") }
            let target = try registry.resolve(reference, against: base)
            let targetNode = try self.node(at: target)
            var anchor: String?
            // Dynamic only when the fragment is an anchor name that the static target declares
            // as a $dynamicAnchor; otherwise it behaves like $ref.
            if let fragment = URIReference(reference).fragment, !fragment.isEmpty, !fragment.hasPrefix("/"),
               case .string(let declared)? = registry.value(at: target)?["$dynamicAnchor"], declared == fragment {
                anchor = fragment
                usesDynamicScope = true
            }
            applicators.append(.dynamicRef(node: targetNode, anchor: anchor.map { tables.add(\.strings, $0) } ?? -1))
        }

        // Validation.
        if vocabularies.contains(.validation) {
            if let value = object["type"] {
                var types: TypeSet = []
                let names: [String]
                if case .string(let name) = value { names = [name] } else { names = try stringArray(value, "type") }
                for name in names {
                    guard let type = TypeSet(name: name) else { throw fail("type", "unknown type \(name)") }
                    types.insert(type)
                }
                keywords.append(.type(types))
            }
            if let value = object["const"] { keywords.append(.const(tables.add(\.values, value))) }
            if let value = object["enum"] {
                guard case .array(let values) = value else { throw fail("enum", "enum must be an array") }
                keywords.append(.enumeration(tables.add(\.enums, EnumRule(values))))
            }
            if let n = try number("minimum") { keywords.append(.minimum(tables.add(\.numbers, n))) }
            if let n = try number("exclusiveMinimum") { keywords.append(.exclusiveMinimum(tables.add(\.numbers, n))) }
            if let n = try number("maximum") { keywords.append(.maximum(tables.add(\.numbers, n))) }
            if let n = try number("exclusiveMaximum") { keywords.append(.exclusiveMaximum(tables.add(\.numbers, n))) }
            if let n = try number("multipleOf") {
                guard !n.isNegative, !n.isZero else { throw fail("multipleOf", "multipleOf must be greater than 0") }
                keywords.append(.multipleOf(tables.add(\.numbers, n)))
            }
            if let n = try nonNegative("minLength") { keywords.append(.minLength(n)) }
            if let n = try nonNegative("maxLength") { keywords.append(.maxLength(n)) }
            if let value = object["pattern"] {
                guard case .string(let source) = value else { throw fail("pattern", "pattern must be a string") }
                do {
                    let pattern = try Pattern(source)
                    keywords.append(.pattern(tables.add(\.patterns, pattern)))
                } catch {
                    throw SchemaCompileError(code: .invalidPattern, location: here + "/pattern", detail: error.detail)
                }
            }
            if let n = try nonNegative("minItems") { keywords.append(.minItems(n)) }
            if let n = try nonNegative("maxItems") { keywords.append(.maxItems(n)) }
            if case .bool(true)? = object["uniqueItems"] { keywords.append(.uniqueItems) }
            if let n = try nonNegative("minProperties") { keywords.append(.minProperties(n)) }
            if let n = try nonNegative("maxProperties") { keywords.append(.maxProperties(n)) }
            if let value = object["required"] {
                requiredNames = try stringArray(value, "required")
            }
            if let value = object["dependentRequired"] {
                guard case .object(let map) = value else { throw fail("dependentRequired", "dependentRequired must be an object") }
                var rules: [(name: String, required: [String])] = []
                for (name, list) in map { rules.append((name, try stringArray(list, "dependentRequired"))) }
                keywords.append(.dependentRequired(tables.add(\.dependentRequired, rules)))
            }
        }

        // Format: asserted when the option or the format-assertion vocabulary says so.
        if let value = object["format"], case .string(let name) = value,
           vocabularies.contains(.formatAssertion) || (options.assertFormats && vocabularies.contains(.formatAnnotation)),
           let format = Format(rawValue: name) {
            keywords.append(.format(format))
        }

        // Applicators.
        if vocabularies.contains(.applicator) {
            var properties = PropertyTable(names: [], nodes: [])
            var patterns: [(pattern: Pattern, node: Int)] = []
            var additional: Int?
            var hasMembers = false
            if let value = object["properties"] {
                guard case .object(let map) = value else { throw fail("properties", "properties must be an object") }
                var names: [String] = [], targets: [Int] = []
                for (name, _) in map {
                    names.append(name)
                    targets.append(try child("properties", name))
                }
                properties = PropertyTable(names: names, nodes: targets)
                hasMembers = hasMembers || !names.isEmpty
            }
            if let value = object["patternProperties"] {
                guard case .object(let map) = value else { throw fail("patternProperties", "patternProperties must be an object") }
                for (source, _) in map {
                    let pattern: Pattern
                    do {
                        pattern = try Pattern(source)
                    } catch {
                        throw SchemaCompileError(code: .invalidPattern, location: here + "/patternProperties", detail: error.detail)
                    }
                    patterns.append((pattern, try child("patternProperties", source)))
                }
                hasMembers = hasMembers || !map.isEmpty
            }
            if object["additionalProperties"] != nil {
                additional = try child("additionalProperties")
                hasMembers = true
            }
            if hasMembers {
                var rule = MembersRule(properties: properties, patterns: patterns, additional: additional)
                if !requiredNames.isEmpty, let mask = MembersRule.requiredMask(requiredNames, in: properties) {
                    rule = MembersRule(properties: properties, patterns: patterns, additional: additional,
                                       requiredMask: mask, requiredNames: requiredNames)
                    requiredNames = []
                }
                applicators.append(.members(tables.add(\.members, rule)))
            }
            if object["propertyNames"] != nil { applicators.append(.propertyNames(try child("propertyNames"))) }
            if let value = object["dependentSchemas"] {
                guard case .object(let map) = value else { throw fail("dependentSchemas", "dependentSchemas must be an object") }
                var rules: [(name: String, node: Int)] = []
                for (name, _) in map { rules.append((name, try child("dependentSchemas", name))) }
                applicators.append(.dependentSchemas(tables.add(\.dependentSchemas, rules)))
            }
            // Draft 7's `dependencies`, which the 2020-12 suite lists as optional compatibility.
            if case .object(let map)? = object["dependencies"] {
                var required: [(name: String, required: [String])] = []
                var schemas: [(name: String, node: Int)] = []
                for (name, value) in map {
                    if case .array = value {
                        required.append((name, try stringArray(value, "dependencies")))
                    } else {
                        schemas.append((name, try child("dependencies", name)))
                    }
                }
                if !required.isEmpty { keywords.append(.dependentRequired(tables.add(\.dependentRequired, required))) }
                if !schemas.isEmpty { applicators.append(.dependentSchemas(tables.add(\.dependentSchemas, schemas))) }
            }
            var prefixCount = 0
            if let prefix = try schemaArray("prefixItems") {
                prefixCount = prefix.count
                applicators.append(.prefixItems(tables.add(\.nodeLists, Box(prefix))))
            }
            if object["items"] != nil { applicators.append(.items(node: try child("items"), from: prefixCount)) }
            if object["contains"] != nil {
                let validation = vocabularies.contains(.validation)
                let minimum = validation ? try nonNegative("minContains") ?? 1 : 1
                let maximum = validation ? try nonNegative("maxContains") : nil
                applicators.append(.contains(node: try child("contains"), min: minimum, max: maximum ?? Int.max))
            }
            if let all = try schemaArray("allOf") { applicators.append(.allOf(tables.add(\.nodeLists, Box(all)))) }
            if let any = try schemaArray("anyOf") { applicators.append(.anyOf(tables.add(\.nodeLists, Box(any)))) }
            if let one = try schemaArray("oneOf") { applicators.append(.oneOf(tables.add(\.nodeLists, Box(one)))) }
            if object["not"] != nil { applicators.append(.not(try child("not"))) }
            if object["if"] != nil {
                let then = object["then"] != nil ? try child("then") : nil
                let otherwise = object["else"] != nil ? try child("else") : nil
                applicators.append(.conditional(condition: try child("if"), then: then ?? -1, otherwise: otherwise ?? -1))
            }
        }

        if !requiredNames.isEmpty {
            keywords.append(.required(tables.add(\.names, Box((requiredNames, requiredNames.allSatisfy(\.isASCII))))))
        }

        // Our extension vocabulary.
        if let value = object["x-codeList"] {
            guard case .string(let name) = value else { throw fail("x-codeList", "x-codeList must be a code-list name") }
            guard let list = registry.codeLists[name] else {
                throw SchemaCompileError(code: .unknownCodeList, location: here + "/x-codeList",
                                         detail: "no code list named \(name) (known: \(registry.codeLists.names.joined(separator: ", ")))")
            }
            keywords.append(.codeList(tables.add(\.codeLists, Box(list))))
        }
        if let value = object["x-mrz"] {
            guard case .string("td3") = value else { throw fail("x-mrz", "x-mrz supports only \"td3\"") }
            keywords.append(.mrzTD3)
        }
        if let value = object["x-notInFuture"] {
            guard case .bool(let enabled) = value else { throw fail("x-notInFuture", "x-notInFuture must be a boolean") }
            if enabled { keywords.append(.notInFuture) }
        }
        if let value = object["x-dateOrder"] {
            guard case .array(let pairs) = value else { throw fail("x-dateOrder", "x-dateOrder must be an array of [earlier, later] pairs") }
            var rules: [DateOrderRule] = []
            for pair in pairs {
                let names = try stringArray(pair, "x-dateOrder")
                guard names.count == 2 else { throw fail("x-dateOrder", "each x-dateOrder entry must name two properties") }
                rules.append(DateOrderRule(earlier: names[0], later: names[1]))
            }
            keywords.append(.dateOrder(tables.add(\.dateOrders, Box(rules))))
        }

        // Unevaluated keywords run last: they read what every other keyword evaluated.
        var unevaluated: [Keyword] = []
        if vocabularies.contains(.unevaluated) {
            if object["unevaluatedProperties"] != nil {
                unevaluated.append(.unevaluatedProperties(try child("unevaluatedProperties")))
            }
            if object["unevaluatedItems"] != nil {
                unevaluated.append(.unevaluatedItems(try child("unevaluatedItems")))
            }
        }
        compiled.collectsAnnotations = !unevaluated.isEmpty
        compiled.keywords = keywords + applicators + unevaluated
    }

    // MARK: Vocabularies

    /// Vocabularies in force under a `$schema`: those its meta-schema's `$vocabulary` lists, or
    /// all standard ones for draft 2020-12, meta-schemas without `$vocabulary` and unknown dialects.
    mutating func vocabularies(for dialect: String?) throws(SchemaCompileError) -> Vocabularies {
        guard let dialect, dialect != SchemaRegistry.draft202012 else { return .standard }
        if let cached = vocabularyCache[dialect] { return cached }
        var result = Vocabularies.standard
        if let location = try? registry.resolve(dialect, against: URIReference(SchemaRegistry.defaultBase)),
           case .object(let declared)? = registry.value(at: location)?["$vocabulary"] {
            result = [.core]
            for (uri, required) in declared {
                if let vocabulary = Vocabularies(uri: uri) {
                    result.insert(vocabulary)
                } else if case .bool(true) = required {
                    throw SchemaCompileError(code: .unsupportedVocabulary, detail: "meta-schema \(dialect) requires unknown vocabulary \(uri)")
                }
            }
        }
        vocabularyCache[dialect] = result
        return result
    }
}

/// The draft 2020-12 vocabularies.
struct Vocabularies: OptionSet, Sendable {
    let rawValue: UInt16
    static let core = Vocabularies(rawValue: 1)
    static let applicator = Vocabularies(rawValue: 2)
    static let unevaluated = Vocabularies(rawValue: 4)
    static let validation = Vocabularies(rawValue: 8)
    static let metaData = Vocabularies(rawValue: 16)
    static let formatAnnotation = Vocabularies(rawValue: 32)
    static let formatAssertion = Vocabularies(rawValue: 64)
    static let content = Vocabularies(rawValue: 128)
    static let standard: Vocabularies = [.core, .applicator, .unevaluated, .validation, .metaData, .formatAnnotation, .content]

    init(rawValue: UInt16) { self.rawValue = rawValue }

    init?(uri: String) {
        let prefix = "https://json-schema.org/draft/2020-12/vocab/"
        guard uri.hasPrefix(prefix) else { return nil }
        switch uri.dropFirst(prefix.count) {
        case "core": self = .core
        case "applicator": self = .applicator
        case "unevaluated": self = .unevaluated
        case "validation": self = .validation
        case "meta-data": self = .metaData
        case "format-annotation": self = .formatAnnotation
        case "format-assertion": self = .formatAssertion
        case "content": self = .content
        default: return nil
        }
    }
}
