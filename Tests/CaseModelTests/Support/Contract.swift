import CaseModel
import Foundation

/// The package's Schemas/ directory, loaded once for every test that needs it.
enum Contract {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let directory = packageRoot.appendingPathComponent("Schemas")
    static let examples = directory.appendingPathComponent("examples")

    /// Loading compiles 21 schemas; share it (it is Sendable and immutable).
    static let schemas: Result<CaseSchemas, CaseSchemasError> = Result { () throws(CaseSchemasError) -> CaseSchemas in
        try CaseSchemas(directory: directory)
    }

    static func load() throws -> CaseSchemas { try schemas.get() }

    /// Every example file: (folder, file name, URL).
    static func exampleFiles() throws -> [(folder: String, name: String, url: URL)] {
        var result: [(String, String, URL)] = []
        for folder in try FileManager.default.contentsOfDirectory(atPath: examples.path).sorted() {
            let url = examples.appendingPathComponent(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() where name.hasSuffix(".json") {
                result.append((folder, name, url.appendingPathComponent(name)))
            }
        }
        return result
    }

    static func bytes(_ url: URL) throws -> [UInt8] { Array(try Data(contentsOf: url)) }
}
