import CaseModel
import Foundation
import Logging
import ServiceLifecycle

/// Watches an adapter's inbox directory for native documents, as agency systems drop them,
/// and hands each to the ``DocumentIntake``.
///
/// A document is taken when its name has a known extension (`.xml`, `.json`, `.csv`) and does
/// not start with `.`: writers put a file in place by renaming it (write `.name.part`, then
/// rename), so a half-written file is never read. Accepted documents move to `processed/`;
/// one that cannot be converted or validated moves to `failed/` with `<name>.error.json` next
/// to it: never lost, never retried by itself. A file is moved only after its events are in
/// the durable spool, so a crash in between reads it again, yielding the same message ids.
///
/// There is no portable change notification for directories, so the folder is polled.
public final class DropFolder: Service, Sendable {
    /// What happened to a document.
    public enum Event: Sendable {
        case accepted(file: String, events: [CaseEvent])
        case failed(file: String, error: ConversionError)
    }

    public let inbox: URL
    public let processed: URL
    public let failed: URL
    public let pollInterval: Duration
    private let intake: DocumentIntake
    private let logger: Logger
    private let notifications = Notifications<Event>()

    public init(inbox: URL, processed: URL, failed: URL, intake: DocumentIntake, pollInterval: Duration = .milliseconds(200), logger: Logger) throws(AdapterError) {
        for directory in [inbox, processed, failed] { try DurableFile.ensureDirectory(directory) }
        self.inbox = inbox
        self.processed = processed
        self.failed = failed
        self.intake = intake
        self.pollInterval = pollInterval
        var logger = logger
        logger[metadataKey: "adapter.agency"] = "\(intake.agency)"
        self.logger = logger
    }

    /// What happens from now on.
    public func events() -> AsyncStream<Event> { notifications.subscribe() }

    public func run() async throws {
        defer { notifications.finish() }
        logger.info("watching the inbox directory", metadata: ["adapter.inbox": "\(inbox.path)"])
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    try self.scan()
                    try await Task.sleep(for: self.pollInterval)
                }
            }
        } catch is CancellationError {}
    }

    /// Takes every document waiting, oldest first. Public so a caller can scan on demand.
    public func scan() throws(AdapterError) {
        for file in pending() {
            try take(file)
        }
    }

    /// Documents waiting, by modification time then name.
    func pending() -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: inbox.path)) ?? []
        var files: [(Date, String)] = []
        for name in names where !name.hasPrefix(".") {
            let url = inbox.appendingPathComponent(name)
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
                  attributes[.type] as? FileAttributeType == .typeRegular else { continue }
            files.append(((attributes[.modificationDate] as? Date) ?? .distantPast, name))
        }
        return files.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map { inbox.appendingPathComponent($0.1) }
    }

    private func take(_ file: URL) throws(AdapterError) {
        let name = file.lastPathComponent
        guard let format = NativeDocument.Format(fileExtension: file.pathExtension) else {
            try reject(file, ConversionError(.unsupportedMessage, "unknown file type '.\(file.pathExtension)' (expected .xml, .json or .csv)"))
            return
        }
        let bytes = try DurableFile.read(file)
        let events: [CaseEvent]
        do {
            events = try intake.submit(NativeDocument(format: format, bytes: bytes))
        } catch {
            switch error {
            case .conversion(let failure): try reject(file, failure)
            case .spool(let failure): throw failure
            }
            return
        }
        try DurableFile.move(file, to: Self.free(processed.appendingPathComponent(name)))
        notifications.yield(.accepted(file: name, events: events))
    }

    private func reject(_ file: URL, _ error: ConversionError) throws(AdapterError) {
        let target = Self.free(failed.appendingPathComponent(file.lastPathComponent))
        let report = error.report(document: target.lastPathComponent, agency: intake.agency)
        // The error file first: a crash in between leaves the document in the inbox, to be read again.
        try DurableFile.write(report.serialized(pretty: true) + [0x0A], to: URL(fileURLWithPath: target.path + ".error.json"))
        try DurableFile.move(file, to: target)
        logger.warning("document failed", metadata: [
            "adapter.document": "\(target.lastPathComponent)", "adapter.error.code": "\(error.code)", "adapter.error.location": "\(error.location ?? "-")",
        ])
        notifications.yield(.failed(file: target.lastPathComponent, error: error))
    }

    /// `url`, or `name-2.ext`, `name-3.ext` ... when taken: a resubmitted document never
    /// overwrites an earlier one.
    static func free(_ url: URL) -> URL {
        guard FileManager.default.fileExists(atPath: url.path) else { return url }
        let stem = url.deletingPathExtension().lastPathComponent, ext = url.pathExtension
        for counter in 2... {
            let candidate = url.deletingLastPathComponent().appendingPathComponent("\(stem)-\(counter).\(ext)")
            if !FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        }
        return url
    }
}
