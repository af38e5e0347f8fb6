import ArgumentParser
import CaseModel
import Foundation
import Ops
import Store

/// `drehscheibe dead edit ID`: fix a dead letter's body with a JSON patch or in $EDITOR.
struct DeadEditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Edit a dead letter's body (RFC 6902 JSON patch, or in $EDITOR); it is revalidated before it may be replayed.",
        discussion: """
            The original body is kept; the edit, its diff and the revalidation outcome are recorded. An edit that fails \
            revalidation stays unreplayable until a further edit passes. Editing shows personal data, so it is audited.
            """)

    @OptionGroup var store: StoreOptions
    @Argument(help: "The dead letter's id.") var id: Int64
    @Option(help: "A JSON patch file (- for stdin). Without it, the body opens in $EDITOR.") var patch: String?
    @Option(help: "Why (recorded with the edit and in the audit log).") var reason: String?
    @Option(help: "The Schemas/ directory for revalidation (default: $DREHSCHEIBE_SCHEMAS or ./Schemas).") var schemas: String?

    func run() async throws {
        let logger = OpsCLI.logger("drehscheibe.dead")
        let op = OpsCLI.cliOperator
        let given = try patch.map { path -> JSONPatch in
            let data = path == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: path))
            do {
                return try JSONPatch(parsing: [UInt8](data))
            } catch let error as JSONPatchError {
                throw ValidationError("the patch: \(error.message)")
            }
        }
        let letter = try await store.withHubStore(logger: logger) { store in
            let operations = try OpsCLI.operations(store: store, revalidating: schemas ?? "Schemas", logger: logger)
            let patch: JSONPatch
            if let given {
                patch = given
            } else {
                patch = try await Self.patchFromEditor(id: DeadLetterID(id), operations: operations, by: op)
            }
            return try await operations.edit(DeadLetterID(id), patch: patch, reason: reason, by: op)
        }
        print("dead letter \(id) edited (revision \(letter.revision)): \(letter.edits.last.map { JSONPatchSummary.paths($0.diff) } ?? "")")
        if let revalidation = letter.revalidation {
            print("revalidation (\(revalidation.validator)): \(revalidation.status.rawValue)")
            for problem in revalidation.problems { print("  \(problem)") }
        }
        print(letter.isReplayable ? "it can be replayed: drehscheibe dead replay \(id)" : "it cannot be replayed until an edit passes revalidation")
    }

    /// Opens the body (unmasked; audited) in $EDITOR and turns the changes into a patch.
    static func patchFromEditor(id: DeadLetterID, operations: Operations, by op: Operator) async throws -> JSONPatch {
        let view = try await operations.deadLetter(id, revealPersonalData: true, by: op)
        guard view.bodyFormat == "json" else { throw ValidationError("dead letter \(id) is not JSON; only JSON bodies can be edited") }
        let before = try JSONParser().parse(Array(view.body.utf8))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("drehscheibe-dead-\(id)-\(UUID().uuidString.prefix(8)).json")
        // Readable by this user only: it holds personal data; removed right after.
        _ = FileManager.default.createFile(atPath: file.path, contents: Data(view.body.utf8), attributes: [.posixPermissions: 0o600])
        defer { try? FileManager.default.removeItem(at: file) }
        let editor = ProcessInfo.processInfo.environment["VISUAL"] ?? ProcessInfo.processInfo.environment["EDITOR"] ?? "vi"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\(editor) \"$1\"", "editor", file.path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ValidationError("the editor exited with \(process.terminationStatus); nothing changed") }
        let after: JSONValue
        do {
            after = try JSONParser().parse([UInt8](try Data(contentsOf: file)))
        } catch {
            throw ValidationError("the edited body is not JSON (\(error)); nothing changed")
        }
        let diff = JSONDiff(from: before, to: after)
        guard !diff.changes.isEmpty else { throw ValidationError("nothing changed") }
        return diff.patch
    }
}

/// One line naming what an edit changed.
enum JSONPatchSummary {
    static func paths(_ diff: String) -> String {
        guard let changes = try? JSONParser().parse(Array(diff.utf8)).arrayValue else { return "" }
        return changes.compactMap { change in
            guard let kind = change["kind"]?.stringValue, let path = change["path"]?.stringValue else { return nil }
            return "\(kind) \(path)"
        }.joined(separator: ", ")
    }
}
