/// Plain-English error messages for people who have never seen JSON Schema. They name fields
/// and what the schema expects, never the instance's string values (personal data).
enum Messages {
    /// `/data/person: ` (the root is `/`).
    static func prefix(_ path: [PathComponent]) -> String {
        if path.isEmpty { return "/: " }
        return JSONPointer(tokens: path.map(\.token)).description + ": "
    }

    /// `'birthDate'`, `entry 2 of 'nationalities'`, or `the document`.
    static func subject(_ path: [PathComponent]) -> String {
        guard let last = path.last else { return "the document" }
        switch last {
        case .key(let key): return "'\(key)'"
        case .index(let index):
            let parent = Array(path.dropLast())
            return parent.isEmpty ? "entry \(index + 1)" : "entry \(index + 1) of \(subject(parent))"
        }
    }

    static func notAllowed(_ path: [PathComponent]) -> String {
        guard let last = path.last else { return "no value is allowed here" }
        switch last {
        case .key(let key): return "the field '\(key)' is not allowed here"
        case .index: return "\(subject(path)) is not allowed here (too many entries)"
        }
    }

    static func typeNames(_ types: TypeSet) -> String {
        var names: [String] = []
        if types.contains(.string) { names.append("text") }
        if types.contains(.number) {
            names.append("a number")
        } else if types.contains(.integer) {
            names.append("a whole number")
        }
        if types.contains(.boolean) { names.append("true or false") }
        if types.contains(.object) { names.append("an object (a group of fields)") }
        if types.contains(.array) { names.append("a list") }
        if types.contains(.null) { names.append("null") }
        if names.isEmpty { return "of no allowed type" }
        return names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " or " + names[names.count - 1]
    }

    static func type(_ path: [PathComponent], _ types: TypeSet) -> String {
        "\(subject(path)) must be \(typeNames(types))"
    }

    /// Schema values (never instance values) rendered briefly.
    static func literal(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s) where s.count <= 40: return "'\(s)'"
        case .number(let n): return n.literal
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        default: return nil
        }
    }

    static func const(_ path: [PathComponent], _ expected: JSONValue) -> String {
        if let text = literal(expected) { return "\(subject(path)) must be exactly \(text)" }
        return "\(subject(path)) must be exactly the one value the schema allows"
    }

    static func enumeration(_ path: [PathComponent], _ values: [JSONValue]) -> String {
        let rendered = values.compactMap(literal)
        if rendered.count == values.count && values.count <= 12 {
            return "\(subject(path)) is not one of the allowed values (\(rendered.joined(separator: ", ")))"
        }
        return "\(subject(path)) is not one of the \(values.count) allowed values"
    }

    static func bound(_ path: [PathComponent], _ relation: String, _ limit: JSONNumber) -> String {
        "\(subject(path)) must be \(relation) \(limit.literal)"
    }

    static func length(_ path: [PathComponent], _ relation: String, _ limit: Int) -> String {
        "\(subject(path)) must be \(relation) \(limit) character\(limit == 1 ? "" : "s") long"
    }

    static func pattern(_ path: [PathComponent], _ source: String, label: String?) -> String {
        if let label { return "\(subject(path)) does not have the form required for \(label) (pattern \(source))" }
        return "\(subject(path)) does not have the required form (pattern \(source))"
    }

    static func format(_ path: [PathComponent], _ format: Format) -> String {
        "\(subject(path)) must be \(format.expectation)"
    }

    static func count(_ path: [PathComponent], _ relation: String, _ limit: Int, _ one: String, _ many: String) -> String {
        "\(subject(path)) must have \(relation) \(limit) \(limit == 1 ? one : many)"
    }

    static func duplicate(_ path: [PathComponent], _ first: Int, _ second: Int) -> String {
        "\(subject(path)) must not contain the same entry twice (entries \(first + 1) and \(second + 1) are equal)"
    }

    static func missing(_ path: [PathComponent], _ name: String) -> String {
        "the required field '\(name)' is missing"
    }

    static func dependentMissing(_ path: [PathComponent], _ name: String, because present: String) -> String {
        "the field '\(name)' is required when '\(present)' is given"
    }

    static func propertyName(_ path: [PathComponent], _ key: String) -> String {
        "the field name '\(key)' is not allowed"
    }

    static func contains(_ path: [PathComponent], _ matches: Int, atLeast minimum: Int) -> String {
        "\(subject(path)) must contain at least \(minimum) matching entr\(minimum == 1 ? "y" : "ies") (found \(matches))"
    }

    static func contains(_ path: [PathComponent], _ matches: Int, atMost maximum: Int) -> String {
        "\(subject(path)) may contain at most \(maximum) matching entr\(maximum == 1 ? "y" : "ies") (found \(matches))"
    }

    static func anyOf(_ path: [PathComponent], _ count: Int) -> String {
        "\(subject(path)) does not match any of the \(count) allowed forms"
    }

    static func oneOfNone(_ path: [PathComponent], _ count: Int) -> String {
        "\(subject(path)) must match exactly one of \(count) forms but matches none"
    }

    static func oneOfMany(_ path: [PathComponent], _ passing: [Int]) -> String {
        "\(subject(path)) must match exactly one form but matches \(passing.count) (forms \(passing.map { String($0 + 1) }.joined(separator: ", ")))"
    }

    static func not(_ path: [PathComponent]) -> String {
        "\(subject(path)) has a form that is explicitly not allowed"
    }

    static func codeList(_ path: [PathComponent], _ list: CodeList) -> String {
        "\(subject(path)) is not a code of the code list '\(list.name)'"
    }

    static func mrz(_ path: [PathComponent], _ error: MachineReadableZone.ParseError) -> String {
        switch error.code {
        case .checkDigitMismatch:
            return "\(subject(path)) is not a valid passport machine-readable zone: the check digit of the \(error.field?.rawValue ?? "zone") is wrong"
        case .invalidCharacter:
            return "\(subject(path)) is not a valid passport machine-readable zone: line \(error.line ?? 0), position \(error.column ?? 0) is not A-Z, 0-9 or <"
        default:
            return "\(subject(path)) must be a passport machine-readable zone: two lines of 44 characters"
        }
    }

    static func inFuture(_ path: [PathComponent]) -> String {
        "\(subject(path)) must not be in the future"
    }

    static func dateOrder(_ path: [PathComponent], _ rule: DateOrderRule) -> String {
        "'\(rule.earlier)' must be before '\(rule.later)'"
    }

    static func tooDeep(_ path: [PathComponent]) -> String {
        "the schema nests too deeply to check \(subject(path))"
    }
}
