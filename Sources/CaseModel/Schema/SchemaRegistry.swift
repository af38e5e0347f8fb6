import Foundation

/// The schemas a validator may reference, by URI. `$ref` to anything else fails at compile
/// time: nothing is ever fetched from the network.
///
/// Holds the draft 2020-12 meta-schemas from the start. Register shared definitions (by their
/// `$id`) and code lists, then ``compile(_:options:)`` each schema once and reuse the result.
public struct SchemaRegistry: Sendable {
    /// The dialect assumed when a schema has no `$schema`.
    public static let draft202012 = "https://json-schema.org/draft/2020-12/schema"
    /// Base URI of schemas compiled without `$id` or retrieval URI.
    static let defaultBase = "json-schema:///"

    var documents: [JSONValue] = []
    /// Resource URI (no fragment) → its root.
    var resources: [String: SchemaLocation] = [:]
    /// `uri#name` → location of a `$anchor` or `$dynamicAnchor`.
    var anchors: [String: SchemaLocation] = [:]
    /// Resource URI → its `$dynamicAnchor` names and locations.
    var dynamicAnchors: [String: [String: SchemaLocation]] = [:]
    /// What the walk learned about each schema position.
    var info: [SchemaLocation: SchemaLocationInfo] = [:]

    /// The code lists `x-codeList` may name.
    public var codeLists: CodeLists

    /// A registry holding the draft 2020-12 meta-schemas and the given code lists.
    public init(codeLists: CodeLists = CodeLists()) {
        self.codeLists = codeLists
        for (uri, json) in Self.parsedMetaschemas {
            // Registering a parsed constant cannot fail; the test suite exercises these documents.
            _ = try? register(json, uri: uri)
        }
    }

    /// The embedded meta-schemas, parsed once per process.
    static let parsedMetaschemas: [(uri: String, json: JSONValue)] = draft202012Metaschemas.compactMap { entry in
        (try? JSONValue(parsing: entry.json)).map { (entry.uri, $0) }
    }

    /// Registers a schema document under `uri` and under its `$id`s (resolved against `uri`).
    /// Returns the URI of its root resource.
    @discardableResult
    public mutating func register(_ schema: JSONValue, uri: String? = nil) throws(SchemaCompileError) -> String {
        let base = URIReference(uri ?? Self.defaultBase).withoutFragment.description
        let document = documents.count
        documents.append(schema)
        let root = SchemaLocation(document: document, pointer: [])
        resources[base] = root
        walk(schema, document: document, pointer: [], base: base, resource: base, resourcePointer: [], dialect: nil)
        return info[root]?.resource ?? base
    }

    /// Reads and registers one schema file. Without `uri` it is registered under its `$id`
    /// (or its `file://` URL when it has none).
    @discardableResult
    public mutating func register(contentsOf file: URL, uri: String? = nil) throws(SchemaCompileError) -> String {
        try register(try Self.readJSON(file), uri: uri ?? file.standardizedFileURL.absoluteString)
    }

    /// Registers every `*.json` file under `directory` (recursively), by `$id`. Returns the
    /// root URIs in file-name order.
    @discardableResult
    public mutating func registerDirectory(_ directory: URL) throws(SchemaCompileError) -> [String] {
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else {
            throw SchemaCompileError(code: .unreadableFile, detail: "cannot list schema directory \(directory.path)")
        }
        var files: [URL] = []
        for case let url as URL in enumerator where url.pathExtension == "json" { files.append(url) }
        var uris: [String] = []
        for file in files.sorted(by: { $0.path < $1.path }) {
            uris.append(try register(contentsOf: file))
        }
        return uris
    }

    /// Whether a resource with this URI is registered.
    public func contains(uri: String) -> Bool {
        resources[URIReference(uri).withoutFragment.description] != nil
    }

    /// Compiles a schema given as JSON (registered temporarily, under `uri` if given).
    public func compile(_ schema: JSONValue, uri: String? = nil,
                        options: ValidationOptions = ValidationOptions()) throws(SchemaCompileError) -> CompiledSchema {
        var registry = self
        let root = try registry.register(schema, uri: uri)
        return try registry.compile(uri: root, options: options)
    }

    /// Compiles the registered schema at `uri` (which may carry a fragment).
    public func compile(uri: String, options: ValidationOptions = ValidationOptions()) throws(SchemaCompileError) -> CompiledSchema {
        var compiler = SchemaCompiler(registry: self, options: options)
        let location = try resolve(uri, against: URIReference(Self.defaultBase))
        let root = try compiler.node(at: location)
        return compiler.finish(root: root)
    }

    static func readJSON(_ file: URL) throws(SchemaCompileError) -> JSONValue {
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw SchemaCompileError(code: .unreadableFile, detail: "cannot read \(file.path)")
        }
        do {
            return try JSONParser(limits: .init(maxBytes: 64 << 20, maxDepth: 256)).parse(data)
        } catch {
            throw SchemaCompileError(code: .invalidJSON, detail: "\(file.path): \(error)")
        }
    }

    /// Resolves a reference (with fragment) to a location.
    func resolve(_ reference: String, against base: URIReference) throws(SchemaCompileError) -> SchemaLocation {
        let absolute = URIReference(reference).resolved(against: base)
        let resourceURI = absolute.withoutFragment.description
        guard let root = resources[resourceURI] else {
            throw SchemaCompileError(code: .unresolvedReference, detail: "no schema registered for \(resourceURI)")
        }
        guard let fragment = absolute.fragment, !fragment.isEmpty else { return root }
        if fragment.hasPrefix("/") {
            guard let decoded = fragment.removingPercentEncoding, let pointer = JSONPointer(decoded) else {
                throw SchemaCompileError(code: .unresolvedReference, detail: "invalid JSON pointer in \(reference)")
            }
            let location = SchemaLocation(document: root.document, pointer: root.pointer + pointer.tokens)
            guard value(at: location) != nil else {
                throw SchemaCompileError(code: .unresolvedReference, detail: "nothing at \(absolute)")
            }
            return location
        }
        guard let anchor = anchors[resourceURI + "#" + fragment] else {
            throw SchemaCompileError(code: .unresolvedReference, detail: "no anchor \(fragment) in \(resourceURI)")
        }
        return anchor
    }

    func value(at location: SchemaLocation) -> JSONValue? {
        documents[location.document][pointer: JSONPointer(tokens: location.pointer)]
    }

    /// Facts about a location; positions the walk did not visit (a `$ref` into an unknown
    /// keyword) inherit them from their nearest visited ancestor.
    func locationInfo(_ location: SchemaLocation) -> SchemaLocationInfo {
        if let known = info[location] { return known }
        var pointer = location.pointer
        while !pointer.isEmpty {
            pointer.removeLast()
            if let ancestor = info[SchemaLocation(document: location.document, pointer: pointer)] { return ancestor }
        }
        return SchemaLocationInfo(base: Self.defaultBase, resource: Self.defaultBase, resourcePointer: [], dialect: nil)
    }
}

/// A position in a registered document.
struct SchemaLocation: Hashable, Sendable {
    var document: Int
    var pointer: [String]
}

struct SchemaLocationInfo: Sendable {
    /// Base URI for resolving references here.
    var base: String
    /// The enclosing schema resource's URI.
    var resource: String
    /// Pointer of that resource's root within the document.
    var resourcePointer: [String]
    /// The `$schema` in force, if any.
    var dialect: String?
}

extension SchemaRegistry {
    /// Keywords whose values are subschemas, by shape. Only these are walked, so an `$id` inside
    /// `const`, `enum` or an unknown keyword is not an identifier.
    static let singleSchemaKeywords: Set<String> = [
        "additionalProperties", "items", "contains", "propertyNames", "if", "then", "else", "not",
        "unevaluatedItems", "unevaluatedProperties",
    ]
    static let schemaArrayKeywords: Set<String> = ["allOf", "anyOf", "oneOf", "prefixItems"]
    static let schemaMapKeywords: Set<String> = ["properties", "patternProperties", "$defs", "dependentSchemas", "dependencies"]

    /// Records resources, anchors and base URIs of every subschema, recursing only through
    /// keywords whose values are schemas.
    mutating func walk(_ value: JSONValue, document: Int, pointer: [String], base: String, resource: String,
                       resourcePointer: [String], dialect: String?) {
        let location = SchemaLocation(document: document, pointer: pointer)
        guard case .object(let object) = value else {
            info[location] = SchemaLocationInfo(base: base, resource: resource,
                                                resourcePointer: resourcePointer, dialect: dialect)
            return
        }
        var base = base, resource = resource, resourcePointer = resourcePointer, dialect = dialect
        if case .string(let id)? = object["$id"], !id.hasPrefix("#") {
            let resolved = URIReference(id).resolved(against: URIReference(base)).withoutFragment.description
            base = resolved
            resource = resolved
            resourcePointer = pointer
            resources[resolved] = location
        }
        if case .string(let schema)? = object["$schema"] { dialect = schema }
        if case .string(let anchor)? = object["$anchor"] {
            anchors[resource + "#" + anchor] = location
        }
        if case .string(let anchor)? = object["$dynamicAnchor"] {
            anchors[resource + "#" + anchor] = location
            dynamicAnchors[resource, default: [:]][anchor] = location
        }
        info[location] = SchemaLocationInfo(base: base, resource: resource,
                                            resourcePointer: resourcePointer, dialect: dialect)
        for (key, child) in object {
            if SchemaRegistry.singleSchemaKeywords.contains(key) {
                walk(child, document: document, pointer: pointer + [key], base: base, resource: resource,
                     resourcePointer: resourcePointer, dialect: dialect)
            } else if SchemaRegistry.schemaArrayKeywords.contains(key), case .array(let items) = child {
                for (i, item) in items.enumerated() {
                    walk(item, document: document, pointer: pointer + [key, String(i)], base: base, resource: resource,
                         resourcePointer: resourcePointer, dialect: dialect)
                }
            } else if SchemaRegistry.schemaMapKeywords.contains(key), case .object(let members) = child {
                for (name, member) in members {
                    walk(member, document: document, pointer: pointer + [key, name], base: base, resource: resource,
                         resourcePointer: resourcePointer, dialect: dialect)
                }
            }
        }
    }
}
