import CaseModel
import Foundation

/// An agency's side of its adapter, as a clerk or the agency's case system sees it: documents
/// go into the inbox directory, routed documents come out of the outbox directory, refused
/// ones land in `failed/`. The demo and the flow tests play the clerks through desks.
public struct AdapterDesk: Sendable {
    public let agency: AgencyID
    public let codec: any NativeCodec
    public let inbox: URL
    public let outbox: URL
    public let failed: URL

    public init(agency: AgencyID, codec: any NativeCodec, inbox: URL, outbox: URL, failed: URL) {
        self.agency = agency
        self.codec = codec
        self.inbox = inbox
        self.outbox = outbox
        self.failed = failed
    }

    /// The desk of a configured adapter.
    public init(configuration: AdapterConfiguration, schemas: CaseSchemas) throws(AdapterError) {
        guard let codec = AgencyCodecs.codec(for: configuration.agency, schemas: schemas) else {
            throw AdapterError(.configuration, "\(configuration.agency) is no partner agency")
        }
        self.init(agency: configuration.agency, codec: codec, inbox: configuration.inbox, outbox: configuration.outbox, failed: configuration.failed)
    }

    /// A document found in the outbox.
    public struct Received: Sendable {
        public var file: String
        public var document: NativeDocument
        /// What the document says, read back with the agency's codec.
        public var draft: EventDraft
    }

    /// Puts a document into the inbox the way agency systems must: written aside, then renamed
    /// into place, so the adapter never reads half a file. Returns the file name.
    @discardableResult
    public func drop(_ document: NativeDocument, name: String) throws(AdapterError) -> String {
        let file = "\(name).\(document.format.fileExtension)"
        try DurableFile.ensureDirectory(inbox)
        try DurableFile.write(document.bytes, to: inbox.appendingPathComponent(file))
        return file
    }

    /// Writes `events` in the agency's native format (`format`, else its outbox format) and
    /// drops the document.
    @discardableResult
    public func drop(_ events: [CaseEvent], as format: NativeDocument.Format? = nil, name: String) throws -> (file: String, document: NativeDocument) {
        let document = try codec.encode(events, as: format ?? codec.formats[0])
        return (try drop(document, name: name), document)
    }

    /// Waits for an outbox document whose message satisfies `matches`, polling until `timeout`.
    public func awaitDocument(
        timeout: Duration, where matches: @Sendable (EventDraft) -> Bool
    ) async throws -> Received {
        var unreadable = Set<String>()
        return try await poll(timeout: timeout, what: "a document in the outbox of \(agency)") {
            for name in Self.files(in: outbox) where !unreadable.contains(name) {
                let url = outbox.appendingPathComponent(name)
                guard let format = NativeDocument.Format(fileExtension: url.pathExtension),
                      let bytes = try? DurableFile.read(url) else { continue }
                let document = NativeDocument(format: format, bytes: bytes)
                guard let drafts = try? codec.decode(document) else {
                    unreadable.insert(name)
                    continue
                }
                if let draft = drafts.first(where: matches) { return Received(file: name, document: document, draft: draft) }
            }
            return nil
        }
    }

    /// Waits until a dropped document was set aside in `failed/` and returns its error report.
    public func awaitFailure(of file: String, timeout: Duration) async throws -> JSONObject {
        try await poll(timeout: timeout, what: "\(file) in the failed directory of \(agency)") {
            let report = failed.appendingPathComponent(file + ".error.json")
            guard FileManager.default.fileExists(atPath: failed.appendingPathComponent(file).path),
                  let bytes = try? DurableFile.read(report), case .object(let object)? = try? JSONParser().parse(bytes) else { return nil }
            return object
        }
    }

    static func files(in directory: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// Polls `probe` every 50 ms until it returns a value or `timeout` passes. No change
    /// notification exists for directories, so polling with a deadline it is.
    func poll<T>(timeout: Duration, what: String, _ probe: () throws -> T?) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let value = try probe() { return value }
            guard ContinuousClock.now < deadline else { throw FlowError("timed out after \(timeout) waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// A flow did not go as it should.
public struct FlowError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
