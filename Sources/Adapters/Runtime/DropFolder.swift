import CaseModel
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Watches an adapter's inbox directory for native documents, as agency systems drop them,
/// and hands each to the ``DocumentIntake``. Whatever is dropped is hostile input.
///
/// - **Only finished files.** Writers put a file in place by renaming it (write
///   `.name.part`, then rename). Names that mark a file in progress (starting with `.`, ending
///   in `.part`, `.partial`, `.tmp`, `.crdownload` or `~`) are never taken, and any other
///   entry is taken only once two consecutive scans, a poll interval apart, saw it unchanged
///   (same file, size, modification and status-change time; ``readiness(name:previous:current:)``).
/// - **Checked where it is read.** The file is opened with `O_NOFOLLOW` and checked on the
///   descriptor (``DroppedFile``): a symbolic link, a hard link (more than one name), anything
///   but a regular file, a file larger than ``NativeDocument/maximumBytes`` or one that changed
///   since the scans is refused or left for later before a byte of it is read.
/// - **Never silently dropped.** Accepted documents move to `processed/`; a document that
///   cannot be converted or validated, and an entry refused by the checks above (including an
///   unknown extension), moves to `failed/` with `<name>.error.json` next to it: never lost,
///   never retried by itself. A file is moved only after its events are in the durable spool,
///   so a crash in between reads it again, yielding the same message ids.
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
    /// What the previous scan saw of each entry, by name.
    private let observations = Mutex<[String: FileObservation]>([:])

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

    /// Takes every document that is ready, oldest first. Public so a caller can scan on
    /// demand; a new file is taken by the second scan that sees it unchanged.
    public func scan() throws(AdapterError) {
        for (file, observation) in pending() {
            try take(file, observation: observation)
        }
    }

    /// Documents ready to be taken, by modification time then name, with how this scan saw
    /// them; remembers what it saw for the next scan.
    func pending() -> [(URL, FileObservation)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: inbox.path)) ?? []
        var seen: [String: FileObservation] = [:]
        for name in names {
            guard let observation = FileObservation.entry(at: inbox.appendingPathComponent(name).path) else { continue }
            seen[name] = observation
        }
        let previous = observations.withLock { observations in
            defer { observations = seen }
            return observations
        }
        let ready = seen.filter { Self.readiness(name: $0.key, previous: previous[$0.key], current: $0.value) == .ready }
        return ready.sorted { ($0.value.modified, $0.value.modifiedNanoseconds, $0.key) < ($1.value.modified, $1.value.modifiedNanoseconds, $1.key) }
            .map { (inbox.appendingPathComponent($0.key), $0.value) }
    }

    private func take(_ file: URL, observation: FileObservation) throws(AdapterError) {
        let name = file.lastPathComponent
        guard let format = NativeDocument.Format(fileExtension: file.pathExtension) else {
            try reject(file, ConversionError(.unsupportedMessage, "unknown file type '.\(file.pathExtension)' (expected .xml, .json or .csv)"))
            return
        }
        let bytes: [UInt8]
        switch DroppedFile.read(file.path, expected: observation) {
        case .document(let document):
            bytes = document
        case .refused(let error):
            try reject(file, error)
            return
        case .changed:
            // Written or replaced since the scans: start the wait for it over.
            _ = observations.withLock { $0.removeValue(forKey: name) }
            return
        case .vanished:
            return
        }
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
