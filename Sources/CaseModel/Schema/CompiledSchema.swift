import Foundation

/// A schema compiled by ``SchemaRegistry/compile(_:uri:options:)``: immutable, thread-safe and
/// cheap to share. Validation does no URI parsing, schema lookups or regex compilation.
public struct CompiledSchema: Sendable {
    /// The compiled nodes, shared by every copy. Immutable after init; `@unchecked` only
    /// because ``HotTables`` holds raw pointers (into storage this program owns).
    final class Program: @unchecked Sendable {
        let nodes: [SchemaNode]
        let keywords: [Keyword]
        let tables: KeywordTables
        let hot: HotTables
        let resources: [Resource]
        let root: Int
        let usesDynamicScope: Bool
        let options: ValidationOptions

        init(nodes: [SchemaNode], keywords: [Keyword], tables: KeywordTables, resources: [Resource], root: Int,
             usesDynamicScope: Bool, options: ValidationOptions) {
            self.nodes = nodes
            self.keywords = keywords
            self.tables = tables
            hot = HotTables(tables)
            self.resources = resources
            self.root = root
            self.usesDynamicScope = usesDynamicScope
            self.options = options
        }

        deinit {
            hot.deallocate()
        }
    }

    /// A schema resource (a document or an embedded `$id`) with its dynamic anchors.
    struct Resource: Sendable {
        let uri: String
        var dynamicAnchors: [String: Int]
    }

    let program: Program

    init(program: Program) {
        self.program = program
    }

    /// The options the schema was compiled with.
    public var options: ValidationOptions { program.options }

    /// Whether `instance` is valid; stops at the first failure.
    public func isValid(_ instance: JSONValue) -> Bool {
        Evaluator.with(program, detailed: false) { $0.run(instance) }
    }

    /// Every error, in the "basic" output shape. Valid instances take the fast path; only an
    /// invalid one is evaluated again to collect locations and messages.
    public func validate(_ instance: JSONValue) -> ValidationResult {
        validate(instance, at: .root)
    }

    /// Validates a value found at `location` inside a larger document (e.g. an envelope's
    /// `/data`): error instance locations and messages include `location`.
    public func validate(_ instance: JSONValue, at location: JSONPointer) -> ValidationResult {
        var now: Date?
        let valid = Evaluator.with(program, detailed: false) { evaluator in
            defer { now = evaluator.now }
            return evaluator.run(instance)
        }
        if valid { return ValidationResult(errors: []) }
        return Evaluator.with(program, detailed: true) { evaluator in
            evaluator.now = now
            evaluator.instancePath = location.tokens.map { .key($0) }
            _ = evaluator.run(instance)
            return ValidationResult(errors: evaluator.errors)
        }
    }

    /// Parses `bytes` with `parser` (strict, limited) and validates the result.
    public func validate(json bytes: [UInt8], parser: JSONParser = JSONParser()) throws(JSONParseError) -> ValidationResult {
        validate(try parser.parse(bytes))
    }
}
