import Foundation

/// The message contract of a `Schemas/` directory, loaded and compiled once: every schema by
/// `$id`, the code lists, the event catalogue, the compiled envelope schema and the compiled
/// data schema of every event type and version.
///
/// Immutable and `Sendable`: load it at start-up and validate from as many tasks as you like.
public final class CaseSchemas: Sendable {
    /// The directory the contract was loaded from.
    public let directory: URL
    /// Every schema of the directory (and the draft 2020-12 meta-schemas) by `$id`.
    public let registry: SchemaRegistry
    /// The code lists of `codelists/`.
    public let codeLists: CodeLists
    /// `catalogue.json`.
    public let catalogue: EventCatalogue
    /// DESTATIS Staatsangehörigkeit ↔ ISO 3166 ↔ ICAO 9303.
    public let crosswalk: NationalityCrosswalk
    /// The CloudEvents envelope schema.
    public let envelopeSchema: CompiledSchema
    /// Upcasts deprecated versions by the catalogue's steps.
    public let upcaster: Upcaster
    /// The `$id` of the envelope schema.
    public let envelopeSchemaID: String
    let dataSchemas: [EventTypeName: CompiledSchema]

    /// Where the envelope schema lives in a `Schemas/` directory.
    public static let envelopeSchemaPath = "envelope/cloudevent.schema.json"

    /// Loads and compiles the contract in `directory`. `options` apply to every schema
    /// (formats are asserted by default, as the contract requires).
    public init(directory: URL, options: ValidationOptions = ValidationOptions()) throws(CaseSchemasError) {
        let directory = directory.standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CaseSchemasError(code: .notFound, detail: "no schemas directory at \(directory.path)")
        }

        let codeLists: CodeLists
        do {
            codeLists = try CodeLists(directory: directory.appendingPathComponent("codelists"))
        } catch {
            throw CaseSchemasError(code: .invalidCodeList, detail: error.description)
        }
        guard let nationalities = codeLists["staatsangehoerigkeit"] else {
            throw CaseSchemasError(code: .notFound, detail: "codelists/staatsangehoerigkeit.json is missing")
        }
        let crosswalk: NationalityCrosswalk
        do {
            crosswalk = try NationalityCrosswalk(codeList: nationalities)
        } catch {
            throw CaseSchemasError(code: .invalidCodeList, detail: error.description)
        }

        let catalogue: EventCatalogue
        do {
            catalogue = try EventCatalogue(contentsOf: directory.appendingPathComponent("catalogue.json"))
        } catch {
            throw CaseSchemasError(code: .invalidCatalogue, detail: "catalogue.json: \(error)")
        }

        // Every *.schema.json outside examples/, registered under its $id.
        var registry = SchemaRegistry(codeLists: codeLists)
        var ids: [String: String] = [:]  // path relative to the directory -> $id
        for relative in Self.schemaFiles(in: directory) {
            do {
                let file = directory.appendingPathComponent(relative)
                let json = try SchemaRegistry.readJSON(file)
                guard case .string(let id)? = json["$id"] else {
                    throw SchemaCompileError(code: .invalidSchema, detail: "\(relative) has no $id")
                }
                try registry.register(json, uri: id)
                ids[relative] = id
            } catch {
                throw CaseSchemasError(code: .invalidSchema, detail: "\(relative): \(error)")
            }
        }

        guard let envelopeID = ids[Self.envelopeSchemaPath] else {
            throw CaseSchemasError(code: .notFound, detail: "\(Self.envelopeSchemaPath) is missing")
        }
        let envelopeSchema: CompiledSchema
        do {
            envelopeSchema = try registry.compile(uri: envelopeID, options: options)
        } catch {
            throw CaseSchemasError(code: .invalidSchema, detail: "\(Self.envelopeSchemaPath): \(error)")
        }

        var dataSchemas: [EventTypeName: CompiledSchema] = [:]
        for entry in catalogue.entries {
            for version in entry.versions {
                guard let id = ids[version.schemaPath] else {
                    throw CaseSchemasError(code: .inconsistent, detail: "the catalogue names \(version.schemaPath) for \(version.type), which does not exist")
                }
                guard id == version.schemaID else {
                    throw CaseSchemasError(code: .inconsistent, detail: "\(version.schemaPath) has $id \(id), the catalogue says \(version.schemaID)")
                }
                do {
                    dataSchemas[version.type] = try registry.compile(uri: id, options: options)
                } catch {
                    throw CaseSchemasError(code: .invalidSchema, detail: "\(version.schemaPath): \(error)")
                }
            }
        }

        self.directory = directory
        self.registry = registry
        self.codeLists = codeLists
        self.catalogue = catalogue
        self.crosswalk = crosswalk
        self.envelopeSchema = envelopeSchema
        self.envelopeSchemaID = envelopeID
        self.dataSchemas = dataSchemas
        self.upcaster = Upcaster(catalogue: catalogue)
    }

    /// The compiled data schema of a type and version, or nil when the catalogue does not list it.
    public func dataSchema(for type: EventTypeName) -> CompiledSchema? {
        dataSchemas[type]
    }

    /// Compiles another schema file against this contract (its relative `$ref`s resolve against
    /// its `$id`, or against the file's own URL when it has none).
    public func compile(schemaFile file: URL, options: ValidationOptions = ValidationOptions()) throws(SchemaCompileError) -> CompiledSchema {
        let json = try SchemaRegistry.readJSON(file)
        return try registry.compile(json, uri: json["$id"]?.stringValue ?? file.standardizedFileURL.absoluteString, options: options)
    }

    /// Paths (relative to `directory`, sorted) of every `*.schema.json` outside `examples/`.
    static func schemaFiles(in directory: URL) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory.path) else { return [] }
        var result: [String] = []
        while let path = enumerator.nextObject() as? String {
            if path.hasSuffix(".schema.json") && !path.hasPrefix("examples/") { result.append(path) }
        }
        return result.sorted()
    }
}
