import CaseModel
import Crypto
import Foundation

/// A dead letter as it came off the `dead.letters` queue, with what the store indexes it by.
///
/// Where it came from (``DeadLetterOrigin``) decides what is believed: the failure context,
/// and the ``sender`` a replay may speak for. The identifying fields are read, never trusted
/// for anything but search: message id, event type and case id from the AMQP properties or the
/// envelope; the source agency is the believed sender or, failing that, the envelope's
/// `source` URN.
public struct NewDeadLetter: Sendable {
    public var body: [UInt8]
    public var properties: MessageProperties
    /// Where the dead letter itself came from (`case.dead` and the original routing key).
    public var exchange: String
    public var routingKey: String
    public var receivedAt: Date
    public var failure: FailureContext
    public var origin: DeadLetterOrigin
    /// The agency the hub vouches for as the original sender (nil when it cannot): the only
    /// sender a replay may publish for.
    public var sender: String?
    public var messageID: String?
    public var eventType: String?
    public var sourceAgency: String?
    public var caseID: String?
    /// SHA-256 over the body and the properties without the redelivery counter: a redelivered
    /// copy has the same fingerprint, so it is not stored twice.
    public var fingerprint: String

    /// The router's broker user, whose dead letters' failure context is believed.
    public static let routerUser = "drehscheibe-router"

    public init(
        body: [UInt8], properties: MessageProperties, exchange: String, routingKey: String, receivedAt: Date = Date(),
        routerUser: String = NewDeadLetter.routerUser
    ) throws {
        self.body = body
        self.properties = properties
        self.exchange = exchange
        self.routingKey = routingKey
        self.receivedAt = receivedAt
        (self.origin, self.failure, self.sender) = DeadLetterOrigin.classify(properties, routerUser: routerUser)

        let envelope = Self.envelope(body)
        self.messageID = properties.messageID ?? envelope?["id"]?.stringValue
        self.eventType = properties.type ?? envelope?["type"]?.stringValue
        self.caseID = envelope?["subject"]?.stringValue
        self.sourceAgency = sender ?? envelope?["source"]?.stringValue.flatMap(Self.agency(fromSource:)).map { String($0.prefix(100)) }

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
