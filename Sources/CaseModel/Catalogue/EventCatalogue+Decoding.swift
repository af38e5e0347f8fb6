import Foundation

extension EventCatalogue {
    /// Reads `catalogue.json` (shape: `Schemas/meta/catalogue.schema.json`) and checks what
    /// the meta schema cannot: version keys, `current` and `upcastTo` targets that exist, known
    /// upcast operations, agency patterns and deadline conditions that parse.
    public init(json: JSONValue) throws(CatalogueError) {
        let root = Reader(value: json, pointer: .root)
        var entries: [Entry] = []
        var seen: Set<String> = []
        for entryReader in try root.array("events") {
            let entry = try Self.entry(entryReader)
            guard seen.insert(entry.name).inserted else {
                throw entryReader.member("type").invalid("the type is listed twice")
            }
            entries.append(entry)
        }
        self.init(identifier: try root.string("catalogue"), version: try root.string("version"),
                  title: try root.string("title"), entries: entries)
    }

    /// Reads a catalogue file.
    public init(contentsOf file: URL) throws(CatalogueError) {
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw CatalogueError(code: .unreadableFile, detail: "cannot read \(file.path)")
        }
        let json: JSONValue
        do {
            json = try JSONParser(limits: .init(maxBytes: 16 << 20, maxDepth: 64)).parse(data)
        } catch {
            throw CatalogueError(code: .invalidJSON, detail: "\(file.path): \(error)")
        }
        try self.init(json: json)
    }

    static func entry(_ reader: Reader) throws(CatalogueError) -> Entry {
        let name = try reader.string("type")
        guard name.hasPrefix(EventTypeName.prefix), EventTypeName("\(name).v1") != nil else {
            throw reader.member("type").invalid("not an event type de.migration.<domain>.<event>")
        }
        let titleReader = try reader.object("title")
        let title = Title(de: try titleReader.string("de"), en: try titleReader.string("en"))

        var versions: [Version] = []
        let versionsReader = try reader.object("versions")
        guard case .object(let versionMap) = versionsReader.value, !versionMap.isEmpty else {
            throw versionsReader.invalid("a type needs at least one version")
        }
        for key in versionMap.keys {
            let versionReader = versionsReader.member(key)
            guard let type = EventTypeName("\(name).\(key)"), type.versionLabel == key else {
                throw versionReader.invalid("version keys are v<N>")
            }
            versions.append(try Self.version(versionReader, type: type))
        }
        versions.sort { $0.number < $1.number }

        let currentReader = reader.member("current")
        let currentLabel = try reader.string("current")
        guard let current = versions.first(where: { $0.label == currentLabel })?.number else {
            throw currentReader.invalid("current names a version that is not listed")
        }
        for version in versions {
            if let plan = version.upcast {
                let at = versionsReader.member(version.label).member("upcastTo").member("to")
                guard plan.target > version.number, versions.contains(where: { $0.number == plan.target }) else {
                    throw at.invalid("upcastTo must name a later listed version")
                }
            } else if version.number != current && version.status == .deprecated {
                throw versionsReader.member(version.label).invalid("a deprecated version needs upcastTo")
            }
        }

        let routing = try reader.array("routing").map { (route) throws(CatalogueError) -> Route in
            let selectBy = route.has("selectBy") ? try route.pointer("selectBy") : nil
            var fromProducers: [AgencyPattern]?
            if route.has("fromProducers") { fromProducers = try route.patterns("fromProducers") }
            var optional = false
            if route.has("optional") { optional = try route.bool("optional") }
            return Route(to: try route.pattern("to"), selectBy: selectBy, fromProducers: fromProducers,
                         optional: optional, note: try route.optionalString("note"))
        }

        var deadline: Deadline?
        let deadlineReader = reader.member("deadline")
        switch deadlineReader.value {
        case .null?, nil:
            deadline = nil
        case .object?:
            let variants = try deadlineReader.optionalArray("variants").map { (variant) throws(CatalogueError) -> Deadline.Variant in
                Deadline.Variant(duration: try variant.duration("duration"), appliesWhen: try variant.condition("appliesWhen"),
                                 rule: try variant.string("rule"))
            }
            deadline = Deadline(
                duration: try deadlineReader.duration("duration"), rule: try deadlineReader.string("rule"),
                legalBasis: try deadlineReader.string("legalBasis"),
                appliesWhen: deadlineReader.has("appliesWhen") ? try deadlineReader.condition("appliesWhen") : nil,
                variants: variants)
        default:
            throw deadlineReader.invalid("deadline is null or an object")
        }

        return Entry(
            name: name, title: title, versions: versions, currentVersion: current,
            producers: try reader.patterns("producers"), consumers: try reader.patterns("consumers"),
            routing: routing, legalBasis: try reader.array("legalBasis").map { (item) throws(CatalogueError) -> String in try item.text() },
            deadline: deadline, note: try reader.optionalString("note") ?? "")
    }

    static func version(_ reader: Reader, type: EventTypeName) throws(CatalogueError) -> Version {
        let statusReader = reader.member("status")
        guard let status = Version.Status(rawValue: try reader.string("status")) else {
            throw statusReader.invalid("status is current or deprecated")
        }
        var upcast: UpcastPlan?
        if reader.has("upcastTo") {
            let plan = try reader.object("upcastTo")
            let targetReader = plan.member("to")
            let toLabel = try plan.string("to")
            guard let target = EventTypeName("\(type.name).\(toLabel)"), target.versionLabel == toLabel else {
                throw targetReader.invalid("upcastTo.to is a version v<N>")
            }
            let steps = try plan.array("steps").map { (step) throws(CatalogueError) -> UpcastStep in
                let opReader = step.member("op")
                guard let operation = UpcastStep.Operation(rawValue: try step.string("op")) else {
                    throw opReader.invalid("unknown upcast operation (known: \(UpcastStep.Operation.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                let from = try step.pointer("from"), path = try step.pointer("path")
                guard !from.tokens.isEmpty, !path.tokens.isEmpty else {
                    throw step.invalid("upcast steps move members of data, not data itself")
                }
                return UpcastStep(operation: operation, from: from, path: path)
            }
            upcast = UpcastPlan(target: target.version, steps: steps, note: try plan.optionalString("note"))
        }
        return Version(type: type, schemaPath: try reader.string("schema"), schemaID: try reader.string("$id"),
                       routingKey: try reader.string("routingKey"), status: status, upcast: upcast)
    }

    /// A position in the catalogue JSON, so every error names its pointer.
    struct Reader {
        let value: JSONValue?
        let pointer: JSONPointer

        func member(_ name: String) -> Reader {
            Reader(value: value?[name], pointer: pointer.appending(name))
        }

        func has(_ name: String) -> Bool {
            if case .object(let object) = value { return object[name] != nil }
            return false
        }

        func invalid(_ detail: String) -> CatalogueError {
            CatalogueError(code: .invalid, pointer: pointer, detail: detail)
        }

        func text() throws(CatalogueError) -> String {
            guard let value else { throw invalid("missing") }
            guard case .string(let s) = value else { throw invalid("must be a string") }
            return s
        }

        func string(_ name: String) throws(CatalogueError) -> String { try member(name).text() }

        func optionalString(_ name: String) throws(CatalogueError) -> String? {
            has(name) ? try string(name) : nil
        }

        func bool(_ name: String) throws(CatalogueError) -> Bool {
            let reader = member(name)
            guard case .bool(let b)? = reader.value else { throw reader.invalid("must be true or false") }
            return b
        }

        func object(_ name: String) throws(CatalogueError) -> Reader {
            let reader = member(name)
            guard case .object? = reader.value else { throw reader.invalid(reader.value == nil ? "missing" : "must be an object") }
            return reader
        }

        func array(_ name: String) throws(CatalogueError) -> [Reader] {
            let reader = member(name)
            guard case .array(let items)? = reader.value else { throw reader.invalid(reader.value == nil ? "missing" : "must be an array") }
            return items.indices.map { Reader(value: items[$0], pointer: reader.pointer.appending(index: $0)) }
        }

        func optionalArray(_ name: String) throws(CatalogueError) -> [Reader] {
            has(name) ? try array(name) : []
        }

        func pattern(_ name: String) throws(CatalogueError) -> AgencyPattern {
            try member(name).asPattern()
        }

        func asPattern() throws(CatalogueError) -> AgencyPattern {
            guard let pattern = AgencyPattern(try text()) else { throw invalid("not an agency id or <kind>.* pattern") }
            return pattern
        }

        func patterns(_ name: String) throws(CatalogueError) -> [AgencyPattern] {
            try array(name).map { (item) throws(CatalogueError) -> AgencyPattern in try item.asPattern() }
        }

        func pointer(_ name: String) throws(CatalogueError) -> JSONPointer {
            let reader = member(name)
            guard let pointer = JSONPointer(try reader.text()) else { throw reader.invalid("not a JSON pointer") }
            return pointer
        }

        func duration(_ name: String) throws(CatalogueError) -> String {
            let reader = member(name)
            let text = try reader.text()
            // ISO 8601 date durations as the meta schema allows: P(<n>Y|M|W|D)+.
            let body = text.utf8.dropFirst()
            guard text.hasPrefix("P"), !body.isEmpty, body.last.map({ "YMWD".utf8.contains($0) }) == true,
                  body.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 || "YMWD".utf8.contains($0) }) else {
                throw reader.invalid("not an ISO 8601 duration like P10D")
            }
            return text
        }

        func condition(_ name: String) throws(CatalogueError) -> Condition {
            let reader = member(name)
            guard let condition = Condition(try reader.text()) else {
                throw reader.invalid("conditions read '<JSON pointer> is <JSON value>'")
            }
            return condition
        }
    }
}
