import Foundation

/// Walks compiled nodes over an instance. Two modes: fast (`detailed == false`: stop at the
/// first failure, no paths, no messages) and detailed (collect every error with locations).
struct Evaluator {
    /// Borrowed from the program for one validation (see ``with(_:detailed:_:)``).
    let nodes: UnsafeBufferPointer<SchemaNode>
    let keywords: UnsafeBufferPointer<Keyword>
    /// Unowned: ``with(_:detailed:_:)`` keeps the program alive, and reading payload tables
    /// through the class avoids copying the whole table struct out of an `inout` evaluator.
    unowned(unsafe) let program: CompiledSchema.Program
    /// The program's tables, borrowed without retains (see ``HotTables``).
    let hot: HotTables
    let resources: [CompiledSchema.Resource]
    let root: Int
    let usesDynamicScope: Bool
    let options: ValidationOptions
    var detailed: Bool
    var errors: [SchemaViolation] = []
    var instancePath: [PathComponent] = []
    var keywordPath: [String] = []
    /// Resources entered so far, outermost first, for `$dynamicRef`.
    var scope: [Int] = []
    var depth = 0
    /// The moment `x-notInFuture` compares against, read once per validation.
    var now: Date?

    /// Runs `body` with an evaluator whose node and keyword pointers stay valid for its duration.
    static func with<R>(_ program: CompiledSchema.Program, detailed: Bool, _ body: (inout Evaluator) -> R) -> R {
        program.nodes.withUnsafeBufferPointer { nodes in
            program.keywords.withUnsafeBufferPointer { keywords in
                var evaluator = Evaluator(program: program, nodes: nodes, keywords: keywords, detailed: detailed)
                return body(&evaluator)
            }
        }
    }

    private init(program: CompiledSchema.Program, nodes: UnsafeBufferPointer<SchemaNode>,
                 keywords: UnsafeBufferPointer<Keyword>, detailed: Bool) {
        self.nodes = nodes
        self.keywords = keywords
        self.program = program
        hot = program.hot
        resources = program.resources
        root = program.root
        usesDynamicScope = program.usesDynamicScope
        options = program.options
        self.detailed = detailed
        now = program.options.referenceTime
    }

    mutating func run(_ instance: JSONValue) -> Bool {
        var none: Evaluated? = nil
        return evaluate(root, instance, &none)
    }

    /// Evaluates a subschema whose annotations nobody reads (members and items in fast mode).
    @inline(__always)
    mutating func evaluate(_ node: Int, _ instance: JSONValue) -> Bool {
        var none: Evaluated? = nil
        return evaluate(node, instance, &none)
    }

    // MARK: Nodes

    mutating func evaluate(_ requested: Int, _ instance: JSONValue, _ annotations: inout Evaluated?) -> Bool {
        // The fast path skips `$ref`-only schemas; detailed paths keep them for keyword locations.
        let index = detailed ? requested : nodes[requested].alias
        let start = nodes[index].keywordStart
        let end = nodes[index].keywordEnd
        if start == end { return true }
        depth += 1
        defer { depth -= 1 }
        if depth > options.maxEvaluationDepth {
            report(index, "$ref") { Messages.tooDeep($0) }
            return false
        }
        var pushed = false
        if usesDynamicScope {
            let resource = nodes[index].resource
            if scope.last != resource {
                scope.append(resource)
                pushed = true
            }
        }
        defer { if pushed { scope.removeLast() } }
        var valid = true
        if nodes[index].collectsAnnotations {
            var own: Evaluated? = Evaluated()
            for k in start..<end {
                if !apply(keywords[k], index, instance, &own) {
                    valid = false
                    if !detailed { break }
                }
            }
            if valid, annotations != nil, let own { annotations!.formUnion(own) }
        } else {
            for k in start..<end {
                if !detailed && passesQuickly(keywords[k], instance) { continue }
                if !apply(keywords[k], index, instance, &annotations) {
                    valid = false
                    if !detailed { break }
                }
            }
        }
        return valid
    }

    /// The common leaf assertions, checked without the call into ``apply(_:_:_:_:)`` (whose
    /// frame, with every keyword's code, costs more than these checks). True only when the
    /// keyword certainly holds; everything else, failures included, goes through `apply`.
    @inline(__always)
    func passesQuickly(_ keyword: Keyword, _ instance: JSONValue) -> Bool {
        switch keyword {
        case .type(let types):
            return types.matches(instance)
        case .pattern(let index):
            guard case .string(let s) = instance else { return true }
            return hot.patterns[index]._withUnsafeGuaranteedRef { $0.matches(s) }
        case .format(let format):
            guard case .string(let s) = instance else { return true }
            return format.isValid(s)
        case .maxLength(let limit):
            guard case .string(let s) = instance else { return true }
            return s.utf8.count <= limit
        case .minLength(let limit):
            guard case .string(let s) = instance else { return true }
            return s.utf8.count / 4 >= limit
        case .const(let index):
            return instance == hot.values[index]
        case .enumeration(let index):
            return hot.enums[index]._withUnsafeGuaranteedRef { $0.contains(instance) }
        default:
            return false
        }
    }

    /// Evaluates a subschema at a member of the instance.
    @inline(__always)
    mutating func member(_ node: Int, _ value: JSONValue, _ key: String, _ keyword: String, _ sub: String? = nil) -> Bool {
        var none: Evaluated? = nil
        guard detailed else { return evaluate(node, value, &none) }
        instancePath.append(.key(key))
        keywordPath.append(keyword)
        if let sub { keywordPath.append(sub) }
        defer {
            instancePath.removeLast()
            keywordPath.removeLast(sub == nil ? 1 : 2)
        }
        return evaluate(node, value, &none)
    }

    /// Evaluates a subschema at an item of the instance.
    @inline(__always)
    mutating func item(_ node: Int, _ value: JSONValue, _ index: Int, _ keyword: String, _ sub: String? = nil) -> Bool {
        var none: Evaluated? = nil
        guard detailed else { return evaluate(node, value, &none) }
        instancePath.append(.index(index))
        keywordPath.append(keyword)
        if let sub { keywordPath.append(sub) }
        defer {
            instancePath.removeLast()
            keywordPath.removeLast(sub == nil ? 1 : 2)
        }
        return evaluate(node, value, &none)
    }

    /// Evaluates a subschema at the same instance location (applicators, references).
    @inline(__always)
    mutating func inPlace(_ node: Int, _ instance: JSONValue, _ annotations: inout Evaluated?,
                          _ keyword: String, _ sub: String? = nil) -> Bool {
        guard detailed else { return evaluate(node, instance, &annotations) }
        keywordPath.append(keyword)
        if let sub { keywordPath.append(sub) }
        defer { keywordPath.removeLast(sub == nil ? 1 : 2) }
        return evaluate(node, instance, &annotations)
    }

    /// Evaluates without recording errors (conditions, `not`, `contains` candidates).
    @inline(__always)
    mutating func quietly(_ node: Int, _ instance: JSONValue, _ annotations: inout Evaluated?) -> Bool {
        let saved = detailed
        detailed = false
        defer { detailed = saved }
        return evaluate(node, instance, &annotations)
    }

    mutating func report(_ node: Int, _ keyword: String?, _ message: ([PathComponent]) -> String) {
        guard detailed, errors.count < options.maxErrors else { return }
        var keywordTokens = keywordPath
        var absolute = nodes[node].location
        if let keyword {
            keywordTokens.append(keyword)
            absolute += "/" + JSONPointer.escape(keyword)
        }
        errors.append(SchemaViolation(
            instanceLocation: JSONPointer(tokens: instancePath.map(\.token)),
            keywordLocation: JSONPointer(tokens: keywordTokens),
            absoluteKeywordLocation: absolute,
            keyword: keyword ?? "false",
            message: Messages.prefix(instancePath) + message(instancePath)))
    }

    // MARK: Keywords

    mutating func apply(_ keyword: Keyword, _ node: Int, _ instance: JSONValue, _ annotations: inout Evaluated?) -> Bool {
        switch keyword {
        case .alwaysFalse:
            report(node, nil) { Messages.notAllowed($0) }
            return false

        case .type(let types):
            if types.matches(instance) { return true }
            report(node, "type") { Messages.type($0, types) }
            return false

        case .const(let index):
            if instance == hot.values[index] { return true }
            let expected = hot.values[index]
            report(node, "const") { Messages.const($0, expected) }
            return false

        case .enumeration(let index):
            if hot.enums[index]._withUnsafeGuaranteedRef({ $0.contains(instance) }) { return true }
            let rule = hot.enums[index].takeUnretainedValue()
            report(node, "enum") { Messages.enumeration($0, rule.values) }
            return false

        case .minimum(let index):
            guard case .number(let n) = instance, JSONNumber.compare(n, hot.numbers[index]) < 0 else { return true }
            let limit = hot.numbers[index]
            report(node, "minimum") { Messages.bound($0, "at least", limit) }
            return false

        case .exclusiveMinimum(let index):
            guard case .number(let n) = instance, JSONNumber.compare(n, hot.numbers[index]) <= 0 else { return true }
            let limit = hot.numbers[index]
            report(node, "exclusiveMinimum") { Messages.bound($0, "greater than", limit) }
            return false

        case .maximum(let index):
            guard case .number(let n) = instance, JSONNumber.compare(n, hot.numbers[index]) > 0 else { return true }
            let limit = hot.numbers[index]
            report(node, "maximum") { Messages.bound($0, "at most", limit) }
            return false

        case .exclusiveMaximum(let index):
            guard case .number(let n) = instance, JSONNumber.compare(n, hot.numbers[index]) >= 0 else { return true }
            let limit = hot.numbers[index]
            report(node, "exclusiveMaximum") { Messages.bound($0, "less than", limit) }
            return false

        case .multipleOf(let index):
            guard case .number(let n) = instance, !n.isMultiple(of: hot.numbers[index]) else { return true }
            let divisor = hot.numbers[index]
            report(node, "multipleOf") { Messages.bound($0, "a multiple of", divisor) }
            return false

        case .minLength(let limit):
            guard case .string(let s) = instance else { return true }
            let bytes = s.utf8.count
            if bytes / 4 >= limit { return true }
            if bytes >= limit, s.unicodeScalars.count >= limit { return true }
            report(node, "minLength") { Messages.length($0, "at least", limit) }
            return false

        case .maxLength(let limit):
            guard case .string(let s) = instance else { return true }
            if s.utf8.count <= limit || s.unicodeScalars.count <= limit { return true }
            report(node, "maxLength") { Messages.length($0, "at most", limit) }
            return false

        case .pattern(let index):
            guard case .string(let s) = instance, !hot.patterns[index]._withUnsafeGuaranteedRef({ $0.matches(s) }) else { return true }
            let pattern = hot.patterns[index].takeUnretainedValue()
            let label = nodes[node].label
            report(node, "pattern") { Messages.pattern($0, pattern.source, label: label) }
            return false

        case .format(let format):
            guard case .string(let s) = instance, !format.isValid(s) else { return true }
            report(node, "format") { Messages.format($0, format) }
            return false

        case .minItems(let limit):
            guard case .array(let items) = instance, items.count < limit else { return true }
            report(node, "minItems") { Messages.count($0, "at least", limit, "entry", "entries") }
            return false

        case .maxItems(let limit):
            guard case .array(let items) = instance, items.count > limit else { return true }
            report(node, "maxItems") { Messages.count($0, "at most", limit, "entry", "entries") }
            return false

        case .uniqueItems:
            guard case .array(let items) = instance, let (first, second) = Self.duplicate(in: items) else { return true }
            report(node, "uniqueItems") { Messages.duplicate($0, first, second) }
            return false

        case .minProperties(let limit):
            guard case .object(let object) = instance, object.count < limit else { return true }
            report(node, "minProperties") { Messages.count($0, "at least", limit, "field", "fields") }
            return false

        case .maxProperties(let limit):
            guard case .object(let object) = instance, object.count > limit else { return true }
            report(node, "maxProperties") { Messages.count($0, "at most", limit, "field", "fields") }
            return false

        case .required(let index):
            guard case .object(let object) = instance else { return true }
            return hot.names[index]._withUnsafeGuaranteedRef { box in
                var valid = true
                var hint = 0
                let ascii = box.value.ascii
                for i in box.value.names.indices {
                    let found = ascii ? object.position(ofASCII: box.value.names[i], hint: &hint)
                        : object.position(of: box.value.names[i], hint: &hint)
                    if found == nil {
                        valid = false
                        if !detailed { return false }
                        let name = box.value.names[i]
                        report(node, "required") { Messages.missing($0, name) }
                    }
                }
                return valid
            }

        case .dependentRequired(let index):
            let rules = program.tables.dependentRequired[index]
            guard case .object(let object) = instance else { return true }
            var valid = true
            for rule in rules where object.position(of: rule.name) != nil {
                for name in rule.required where object.position(of: name) == nil {
                    valid = false
                    if !detailed { return false }
                    report(node, "dependentRequired") { Messages.dependentMissing($0, name, because: rule.name) }
                }
            }
            return valid

        case .members(let index):
            guard case .object(let object) = instance else { return true }
            return hot.members[index]._withUnsafeGuaranteedRef { applyMembers($0, node, object, &annotations) }

        case .propertyNames(let target):
            guard case .object(let object) = instance else { return true }
            var valid = true
            for member in object.members {
                let key = member.key
                var none: Evaluated? = nil
                if !quietly(target, .string(key), &none) {
                    valid = false
                    if !detailed { return false }
                    report(node, "propertyNames") { Messages.propertyName($0, key) }
                }
            }
            return valid

        case .dependentSchemas(let index):
            let rules = program.tables.dependentSchemas[index]
            guard case .object(let object) = instance else { return true }
            var valid = true
            for rule in rules where object.position(of: rule.name) != nil {
                if !inPlace(rule.node, instance, &annotations, "dependentSchemas", rule.name) {
                    valid = false
                    if !detailed { return false }
                }
            }
            return valid

        case .prefixItems(let index):
            guard case .array(let items) = instance else { return true }
            return hot.nodeLists[index]._withUnsafeGuaranteedRef { targets in
                let end = Swift.min(items.count, targets.value.count)
                let valid = Self.withElements(items) { items in
                    var valid = true
                    for i in 0..<end {
                        let ok = detailed ? item(targets.value[i], items[i], i, "prefixItems", String(i)) : evaluate(targets.value[i], items[i])
                        if !ok {
                            valid = false
                            if !detailed { return false }
                        }
                    }
                    return valid
                }
                annotations?.insert(upTo: end)
                return valid
            }

        case .items(let target, let start):
            guard case .array(let items) = instance else { return true }
            let count = items.count
            let valid = start >= count || Self.withElements(items) { elements in
                var valid = true
                for i in start..<count where !(detailed ? item(target, elements[i], i, "items") : evaluate(target, elements[i])) {
                    valid = false
                    if !detailed { return false }
                }
                return valid
            }
            annotations?.insertAll()
            return valid

        case .contains(let target, let minimum, let maximum):
            guard case .array(let items) = instance else { return true }
            let matches = Self.withElements(items) { elements in
                var matches = 0
                for i in 0..<items.count {
                    var none: Evaluated? = nil
                    if quietly(target, elements[i], &none) {
                        matches += 1
                        annotations?.insert(i)
                        if annotations == nil && !detailed && maximum == Int.max && matches >= minimum { break }
                    }
                }
                return matches
            }
            if matches < minimum {
                report(node, "contains") { Messages.contains($0, matches, atLeast: minimum) }
                return false
            }
            if matches > maximum {
                report(node, "contains") { Messages.contains($0, matches, atMost: maximum) }
                return false
            }
            return true

        case .allOf(let index):
            return hot.nodeLists[index]._withUnsafeGuaranteedRef { targets in
                var valid = true
                for i in targets.value.indices {
                    let ok = detailed ? inPlace(targets.value[i], instance, &annotations, "allOf", String(i))
                        : evaluate(targets.value[i], instance, &annotations)
                    if !ok {
                        valid = false
                        if !detailed { return false }
                    }
                }
                return valid
            }

        case .anyOf(let index):
            let targets = hot.nodeLists[index].takeUnretainedValue().value
            let mark = errors.count
            var matched = false
            for (i, target) in targets.enumerated() {
                if annotations != nil {
                    var branch: Evaluated? = Evaluated()
                    if detailed ? inPlace(target, instance, &branch, "anyOf", String(i)) : evaluate(target, instance, &branch) {
                        matched = true
                        if let branch { annotations!.formUnion(branch) }
                    }
                } else {
                    var none: Evaluated? = nil
                    if detailed ? inPlace(target, instance, &none, "anyOf", String(i)) : evaluate(target, instance, &none) {
                        matched = true
                        break
                    }
                }
            }
            if matched {
                if errors.count > mark { errors.removeSubrange(mark...) }
                return true
            }
            report(node, "anyOf") { Messages.anyOf($0, targets.count) }
            return false

        case .oneOf(let index):
            let targets = hot.nodeLists[index].takeUnretainedValue().value
            let mark = errors.count
            var passing: [Int] = []
            var merged: Evaluated? = nil
            for (i, target) in targets.enumerated() {
                var branch: Evaluated? = annotations != nil ? Evaluated() : nil
                if detailed ? inPlace(target, instance, &branch, "oneOf", String(i)) : evaluate(target, instance, &branch) {
                    passing.append(i)
                    merged = branch
                    if passing.count > 1 && !detailed { return false }
                }
            }
            if passing.count == 1 {
                if errors.count > mark { errors.removeSubrange(mark...) }
                if let merged { annotations?.formUnion(merged) }
                return true
            }
            if passing.isEmpty {
                report(node, "oneOf") { Messages.oneOfNone($0, targets.count) }
            } else {
                if errors.count > mark { errors.removeSubrange(mark...) }
                report(node, "oneOf") { Messages.oneOfMany($0, passing) }
            }
            return false

        case .not(let target):
            var none: Evaluated? = nil
            guard quietly(target, instance, &none) else { return true }
            report(node, "not") { Messages.not($0) }
            return false

        case .conditional(let condition, let then, let otherwise):
            var conditionAnnotations: Evaluated? = annotations != nil ? Evaluated() : nil
            if quietly(condition, instance, &conditionAnnotations) {
                if let conditionAnnotations { annotations?.formUnion(conditionAnnotations) }
                guard then >= 0 else { return true }
                return inPlace(then, instance, &annotations, "then")
            }
            guard otherwise >= 0 else { return true }
            return inPlace(otherwise, instance, &annotations, "else")

        case .ref(let target):
            guard detailed else { return evaluate(target, instance, &annotations) }
            return inPlace(target, instance, &annotations, "$ref")

        case .dynamicRef(let target, let anchor):
            var resolved = target
            if anchor >= 0 {
                let anchor = program.tables.strings[anchor]
                for resource in scope {
                    if let dynamic = resources[resource].dynamicAnchors[anchor] {
                        resolved = dynamic
                        break
                    }
                }
            }
            return inPlace(resolved, instance, &annotations, "$dynamicRef")

        case .unevaluatedProperties(let target):
            guard case .object(let object) = instance else { return true }
            let valid = Self.withElements(object.members) { members in
                var valid = true
                for j in 0..<object.count where !(annotations?.contains(j) ?? false) {
                    if !member(target, members[j].value, members[j].key, "unevaluatedProperties") {
                        valid = false
                        if !detailed { return false }
                    }
                }
                return valid
            }
            if valid { annotations?.insertAll() }
            return valid

        case .unevaluatedItems(let target):
            guard case .array(let items) = instance else { return true }
            let valid = Self.withElements(items) { elements in
                var valid = true
                for i in 0..<items.count where !(annotations?.contains(i) ?? false) {
                    if !item(target, elements[i], i, "unevaluatedItems") {
                        valid = false
                        if !detailed { return false }
                    }
                }
                return valid
            }
            if valid { annotations?.insertAll() }
            return valid

        case .codeList(let index):
            guard case .string(let s) = instance, !hot.codeLists[index]._withUnsafeGuaranteedRef({ $0.value.contains(s) }) else { return true }
            let list = hot.codeLists[index].takeUnretainedValue().value
            report(node, "x-codeList") { Messages.codeList($0, list) }
            return false

        case .mrzTD3:
            guard case .string(let s) = instance else { return true }
            do {
                _ = try MachineReadableZone(td3: s)
                return true
            } catch {
                report(node, "x-mrz") { Messages.mrz($0, error) }
                return false
            }

        case .notInFuture:
            guard case .string(let s) = instance else { return true }
            let reference = now ?? Date()
            now = reference
            guard NotInFuture.isInFuture(s, now: reference) else { return true }
            report(node, "x-notInFuture") { Messages.inFuture($0) }
            return false

        case .dateOrder(let index):
            guard case .object(let object) = instance else { return true }
            let rules = hot.dateOrders[index].takeUnretainedValue().value
            var valid = true
            for rule in rules where !rule.isSatisfied(by: object) {
                valid = false
                if !detailed { return false }
                report(node, "x-dateOrder") { Messages.dateOrder($0, rule) }
            }
            return valid
        }
    }

    /// One pass over the members for `properties`, `patternProperties` and `additionalProperties`.
    /// Members are read in place and passed on borrowed: copying a key or value out of the
    /// storage would retain it, for every member of every object.
    mutating func applyMembers(_ rule: MembersRule, _ node: Int, _ object: JSONObject, _ annotations: inout Evaluated?) -> Bool {
        var valid = true
        var hint = 0
        var seen: UInt64 = 0
        let count = object.count
        let membersValid = Self.withElements(object.members) { members in
            for j in 0..<count {
                var matched = false
                // Instances usually list members in schema order: try the next name first.
                var slot: Int?
                if hint < rule.properties.names.count, rule.properties.ascii
                    ? members[j].key.equals(ascii: rule.properties.names[hint]) : rule.properties.names[hint].utf8Equals(members[j].key) {
                    slot = hint
                    hint += 1
                } else if let found = rule.properties.slot(members[j].key) {
                    slot = found
                    hint = found + 1
                }
                if let slot {
                    matched = true
                    if slot < 64 { seen |= 1 << UInt64(slot) }
                    let ok = detailed
                        ? member(rule.properties.nodes[slot], members[j].value, members[j].key, "properties", members[j].key)
                        : evaluate(rule.properties.nodes[slot], members[j].value)
                    if !ok {
                        valid = false
                        if !detailed { return false }
                    }
                }
                if !rule.patterns.isEmpty {
                    for k in rule.patterns.indices where rule.patterns[k].pattern.matches(members[j].key) {
                        matched = true
                        let ok = detailed
                            ? member(rule.patterns[k].node, members[j].value, members[j].key, "patternProperties", rule.patterns[k].pattern.source)
                            : evaluate(rule.patterns[k].node, members[j].value)
                        if !ok {
                            valid = false
                            if !detailed { return false }
                        }
                    }
                }
                if !matched, let additional = rule.additional {
                    matched = true
                    let ok = detailed ? member(additional, members[j].value, members[j].key, "additionalProperties")
                        : evaluate(additional, members[j].value)
                    if !ok {
                        valid = false
                        if !detailed { return false }
                    }
                }
                if matched { annotations?.insert(j) }
            }
            return valid
        }
        guard membersValid || detailed else { return false }
        if seen & rule.requiredMask != rule.requiredMask {
            if !detailed { return false }
            for name in rule.requiredNames {
                guard let slot = rule.properties.names.firstIndex(where: { $0.utf8Equals(name) }),
                      seen & (1 << UInt64(slot)) == 0 else { continue }
                report(node, "required") { Messages.missing($0, name) }
            }
            return false
        }
        return membersValid
    }

    /// Calls `body` with a pointer to the array's elements. Elements read through a pointer are
    /// passed on borrowed; read through an array (or buffer) subscript each is copied, which
    /// retains and releases its payload.
    @inline(__always)
    static func withElements<Element, R>(_ array: [Element], _ body: (UnsafePointer<Element>) -> R) -> R {
        array.withUnsafeBufferPointer { buffer in
            // An empty array's buffer may have no base address; nothing reads through it then.
            body(buffer.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<Element>.alignment)!)
        }
    }

    /// Positions of the first two equal items, if any.
    static func duplicate(in items: [JSONValue]) -> (Int, Int)? {
        if items.count <= 16 {
            return withElements(items) { elements in
                for i in 0..<items.count {
                    for j in (i + 1)..<items.count where elements[i] == elements[j] { return (i, j) }
                }
                return nil
            }
        }
        var seen: [JSONValue: Int] = [:]
        for (i, item) in items.enumerated() {
            if let earlier = seen.updateValue(i, forKey: item) { return (earlier, i) }
        }
        return nil
    }
}
