import Adapters
import CaseModel
import Foundation
import TestSupport

/// The repository's contract: adapters are tested against the real Schemas/.
let schemasDirectory = TestBroker.packageRoot.appendingPathComponent("Schemas").resolvingSymlinksInPath()

/// Loaded once per test process: compiling every schema is the slow part.
let contract: CaseSchemas = {
    do { return try CaseSchemas(directory: schemasDirectory) } catch { fatalError("Schemas/ does not load: \(error)") }
}()

/// The native examples of Schemas/native/<kind>/.
let nativeDirectory = schemasDirectory.appendingPathComponent("native")

/// A canonical example envelope from Schemas/examples.
func canonicalExample(_ folder: String, _ file: String? = nil) throws -> CaseEvent {
    let directory = schemasDirectory.appendingPathComponent("examples/\(folder)")
    let name = try file ?? FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().first { $0.hasPrefix("valid-") }!
    return try CaseEvent.decode(Array(Data(contentsOf: directory.appendingPathComponent(name))))
}

/// A native example document.
func nativeExample(_ kind: String, _ file: String) throws -> NativeDocument {
    let url = nativeDirectory.appendingPathComponent("\(kind)/\(file)")
    return NativeDocument(format: NativeDocument.Format(fileExtension: url.pathExtension)!, bytes: Array(try Data(contentsOf: url)))
}

/// The codec of an agency id.
func codec(_ agency: String) -> any NativeCodec {
    AgencyCodecs.codec(for: AgencyID(agency)!, schemas: contract)!
}

/// A fresh directory under the system's temporary directory.
func temporaryDirectory(_ label: String = "adapters") -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("drehscheibe-\(label)-\(UUID().uuidString.prefix(8).lowercased())")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A valid event with a fresh id (and optionally other members).
func fresh(_ event: CaseEvent, _ changes: [String: JSONValue] = [:]) throws -> CaseEvent {
    var changes = changes
    if changes["id"] == nil { changes["id"] = .string(UUID().uuidString.lowercased()) }
    return try event.replacing(changes)
}

/// Waits for the first element of `stream` satisfying `matches`, or fails after `timeout`.
func first<Element: Sendable>(
    _ stream: AsyncStream<Element>, timeout: Duration = .seconds(30), where matches: @escaping @Sendable (Element) -> Bool
) async throws -> Element {
    try await withThrowingTaskGroup(of: Element?.self) { group in
        group.addTask {
            for await element in stream where matches(element) { return element }
            return nil
        }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw TestFailure("timed out after \(timeout)")
        }
        defer { group.cancelAll() }
        guard let result = try await group.next(), let element = result else { throw TestFailure("the stream ended") }
        return element
    }
}

/// Polls `condition` until it holds, failing after `timeout` (for state without a signal).
func eventually(_ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw TestFailure("timed out waiting until \(what)") }
        try await Task.sleep(for: .milliseconds(20))
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
