import CaseModel
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// The HTTP intake of an agency adapter (Hummingbird): agency systems that do not drop files
/// POST their native documents. Every request is hostile input until admitted:
///
/// - it listens on loopback unless the configuration explicitly allows another address
///   (``binding(host:allowNonLoopback:)``);
/// - browsers are refused, and `POST /documents` needs the adapter's bearer token
///   (``admission(origin:fetchSite:authorization:token:)``, ``IntakeToken``), both decided
///   from the headers before the body is read;
/// - the body is read up to ``NativeDocument/maximumBytes``.
///
/// Paths:
/// - `POST /documents` with `Authorization: Bearer <token>` and `Content-Type:
///   application/xml`, `application/json` or `text/csv` (or `?format=xml|json|csv`):
///   converted, validated and spooled like a dropped file. `202 Accepted` with the message ids
///   once they are durable; `422` with the same error report as a failed file's `.error.json`
///   (the document is kept in `failed/` too); `503` when the spool cannot store it; `401`
///   without the right token; `403` from a browser.
/// - `GET /health`: the agency and the number of events waiting in the spool (no token).
public enum IntakeEndpoint {
    /// The Hummingbird application; run it as a `Service` in the adapter's service group.
    public static func application(
        intake: DocumentIntake, failed: URL, host: String, port: Int, token: IntakeToken, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some Service {
        let router = Router()
        router.add(middleware: AdmissionMiddleware(token: token, protected: "/documents"))
        router.post("documents") { request, _ -> Response in
            let buffer = try await request.body.collect(upTo: NativeDocument.maximumBytes)
            let bytes = Array(buffer.readableBytesView)
            let format = request.uri.queryParameters["format"].flatMap { NativeDocument.Format(fileExtension: String($0)) }
                ?? request.headers[.contentType].flatMap(NativeDocument.Format.init(mediaType:))
            guard let format else {
                return json(.unsupportedMediaType, ["reason": "send application/xml, application/json or text/csv"])
            }
            do throws(IntakeError) {
                let events = try intake.submit(NativeDocument(format: format, bytes: bytes))
                return json(.accepted, ["accepted": .array(events.map {
                    ["id": .string($0.id), "type": .string($0.type), "subject": .string($0.subject)]
                })])
            } catch {
                switch error {
                case .conversion(let failure):
                    let name = "http-\(EventDraft.timestamp(Date()).filter { $0.isNumber })-\(UUID().uuidString.prefix(8).lowercased()).\(format.fileExtension)"
                    let report = failure.report(document: name, agency: intake.agency)
                    do {
                        try DurableFile.write(report.serialized(pretty: true) + [0x0A], to: failed.appendingPathComponent(name + ".error.json"))
                        try DurableFile.write(bytes, to: failed.appendingPathComponent(name))
                    } catch {
                        logger.error("cannot keep a failed document", metadata: ["adapter.error": "\(error)"])
                    }
                    logger.warning("document failed", metadata: ["adapter.document": "\(name)", "adapter.error.code": "\(failure.code)"])
                    return json(.unprocessableContent, report)
                case .spool(let failure):
                    logger.error("cannot spool a document", metadata: ["adapter.error": "\(failure)"])
                    return json(.serviceUnavailable, ["reason": .string(failure.description)])
                }
            }
        }
        router.get("health") { _, _ -> Response in
            json(.ok, ["agency": .string(intake.agency.rawValue), "spooled": .number(JSONNumber(intake.publisher.spool.count))])
        }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "drehscheibe-adapter-\(intake.agency)"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    static func json(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.serialized(pretty: true))))
    }
}
