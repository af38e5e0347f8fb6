import Foundation

extension CaseSchemas {
    /// The environment variable naming the schemas directory.
    public static let environmentVariable = "DREHSCHEIBE_SCHEMAS"

    /// The default schemas directory: `DREHSCHEIBE_SCHEMAS` if set, else the first `Schemas/`
    /// holding a `catalogue.json` in the current directory or one of its parents.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment,
                              currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) -> URL? {
        if let configured = environment[environmentVariable], !configured.isEmpty {
            return URL(fileURLWithPath: configured, relativeTo: currentDirectory).standardizedFileURL
        }
        var directory = currentDirectory.standardizedFileURL
        while true {
            let candidate = directory.appendingPathComponent("Schemas")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("catalogue.json").path) { return candidate }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { return nil }
            directory = parent
        }
    }
}
