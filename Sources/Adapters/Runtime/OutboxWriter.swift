import CaseModel
import Foundation
import Logging

/// The ``InboxHandler`` of an agency adapter: writes every routed event, and every rejection
/// receipt (as the native rejection notice `quittung.abweisung`), as a native document into
/// the outbox directory, where the agency's system picks it up.
///
/// Files appear atomically (temporary file, `fsync`, rename) and are named
/// `<event time, UTC>-<native message name>-<message id>.<ext>`: a redelivered event rewrites
/// the same file, so handling is idempotent.
public final class OutboxWriter: InboxHandler, Sendable {
    /// A document written.
    public struct Written: Sendable {
        public var file: URL
        public var event: CaseEvent
        /// Set for rejection notices.
        public var rejection: Rejection?
    }

    public let outbox: URL
    public let codec: any NativeCodec
    private let logger: Logger
    private let notifications = Notifications<Written>()

    public init(outbox: URL, codec: any NativeCodec, logger: Logger) throws(AdapterError) {
        try DurableFile.ensureDirectory(outbox)
        DurableFile.removeTemporaries(in: outbox)
        self.outbox = outbox
        self.codec = codec
        self.logger = logger
    }

    /// Documents written from now on.
    public func written() -> AsyncStream<Written> { notifications.subscribe() }

    public func handle(_ event: CaseEvent, context: DeliveryContext) async throws {
        let file = try write(event)
        notifications.yield(Written(file: file, event: event, rejection: nil))
    }

    public func onRejected(_ rejection: Rejection, context: DeliveryContext) async throws {
        let file = try write(rejection.receipt)
        logger.warning("the hub rejected a message of this agency", metadata: [
            "message.id": "\(rejection.originalMessageID)", "adapter.rejection.code": "\(rejection.errorCode)",
            "adapter.rejection.stage": "\(rejection.stage)", "case.id": "\(rejection.caseID)",
        ])
        notifications.yield(Written(file: file, event: rejection.receipt, rejection: rejection))
    }

    private func write(_ event: CaseEvent) throws -> URL {
        let document = try codec.encode(event)
        let file = outbox.appendingPathComponent(Self.fileName(for: event, codec: codec, format: document.format))
        try DurableFile.write(document.bytes, to: file)
        return file
    }

    /// `20261118T064500Z-beschaeftigung.zustimmungsanfrage-<id>.xml`.
    static func fileName(for event: CaseEvent, codec: any NativeCodec, format: NativeDocument.Format) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let stamp = event.timestamp.map(formatter.string(from:)) ?? "00000000T000000Z"
        return "\(stamp)-\(codec.documentName(for: event))-\(Spool.fileSafe(event.id)).\(format.fileExtension)"
    }
}
