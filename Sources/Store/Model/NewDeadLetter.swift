import CaseModel
import Crypto
import Foundation

/// A dead letter as it came off the `dead.letters` queue, with what the store indexes it by.
///
/// The identifying fields are read, never trusted for anything but search: message id, event
/// type and case id from the AMQP properties or the envelope; the source agency from the
/// authenticated sender (the relay header, else `user_id`) or, failing that, the envelope's
/// `source` URN.
public struct NewDeadLetter: Sendable {
    public var body: [UInt8]
    public var properties: MessageProperties
    /// Where the dead letter itself came from (`case.dead` and the original routing key).
    public var exchange: String
    public var routingKey: String
    public var receivedAt: Date
    public var failure: FailureContext
    public var messageID: String?
    public var eventType: String?
    public var sourceAgency: String?
    public var caseID: String?
    /// SHA-256 over the body and the properties without the redelivery counter: a redelivered
    /// copy has the same fingerprint, so it is not stored twice.
    public var fingerprint: String

    public init(body: [UInt8], properties: MessageProperties, exchange: String, routingKey: String, receivedAt: Date = Date()) throws {
        self.body = body
        self.properties = properties
        self.exchange = exchange
        self.routingKey = routingKey
        self.receivedAt = receivedAt
        let headers = properties.headers ?? []
        self.failure = FailureContext(headers: headers)

        let envelope = Self.envelope(body)
        self.messageID = properties.messageID ?? envelope?["id"]?.stringValue
        self.eventType = properties.type ?? envelope?["type"]?.stringValue
        self.caseID = envelope?["subject"]?.stringValue
        let relayed = headers[HubHeader.sender]?.stringValue
        let user = properties.userID.flatMap { $0.hasPrefix("drehscheibe-") ? nil : $0 }
        self.sourceAgency = relayed ?? user ?? envelope?["source"]?.stringValue.flatMap(Self.agency(fromSource:))

        var identity = properties
        identity.headers = properties.headers?.filter { $0.name != HubHeader.deliveryCount }
        var hasher = SHA256()
        hasher.update(data: Array(try identity.storedJSON().utf8))
        hasher.update(data: [0])
        hasher.update(data: body)
        self.fingerprint = ContentDigest.hex(hasher.finalize())
    }

    /// The envelope's top-level members, when the body is a JSON object (small limits: only a
    /// few strings are read, and dead letters may be hostile).
    private static func envelope(_ body: [UInt8]) -> JSONValue? {
        guard let value = try? JSONParser(limits: .init(maxBytes: 4 << 20, maxDepth: 64)).parse(body), value.objectValue != nil else {
            return nil
        }
        return value
    }

    /// `urn:de:migration:abh:berlin` → `abh.berlin`.
    static func agency(fromSource source: String) -> String? {
        let prefix = "urn:de:migration:"
        guard source.hasPrefix(prefix) else { return nil }
        let rest = source.dropFirst(prefix.count)
        guard !rest.isEmpty else { return nil }
        return rest.replacingOccurrences(of: ":", with: ".")
    }
}
