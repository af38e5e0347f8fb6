import Foundation

/// The AMQP basic properties of a message as received, headers included in their order and
/// with their field types. Mirrors `AMQP.BasicProperties`; Ops converts between the two.
public struct MessageProperties: Sendable, Hashable, Codable {
    public var contentType: String?
    public var contentEncoding: String?
    public var headers: [Header]?
    /// 1 transient, 2 persistent.
    public var deliveryMode: UInt8?
    public var priority: UInt8?
    public var correlationID: String?
    public var replyTo: String?
    public var expiration: String?
    public var messageID: String?
    /// Seconds resolution, as AMQP carries it.
    public var timestamp: Date?
    public var type: String?
    public var userID: String?
    public var appID: String?
    public var clusterID: String?

    public init(
        contentType: String? = nil, contentEncoding: String? = nil, headers: [Header]? = nil, deliveryMode: UInt8? = nil,
        priority: UInt8? = nil, correlationID: String? = nil, replyTo: String? = nil, expiration: String? = nil,
        messageID: String? = nil, timestamp: Date? = nil, type: String? = nil, userID: String? = nil,
        appID: String? = nil, clusterID: String? = nil
    ) {
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.headers = headers
        self.deliveryMode = deliveryMode
        self.priority = priority
        self.correlationID = correlationID
        self.replyTo = replyTo
        self.expiration = expiration
        self.messageID = messageID
        self.timestamp = timestamp
        self.type = type
        self.userID = userID
        self.appID = appID
        self.clusterID = clusterID
    }

    /// The value of header `name`.
    public func header(_ name: String) -> HeaderValue? { headers?[name] }

    // Timestamps as whole seconds since the epoch: the AMQP resolution, exact in JSON.
    private enum CodingKeys: String, CodingKey {
        case contentType, contentEncoding, headers, deliveryMode, priority, correlationID, replyTo, expiration
        case messageID, timestamp, type, userID, appID, clusterID
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            contentType: try c.decodeIfPresent(String.self, forKey: .contentType),
            contentEncoding: try c.decodeIfPresent(String.self, forKey: .contentEncoding),
            headers: try c.decodeIfPresent([Header].self, forKey: .headers),
            deliveryMode: try c.decodeIfPresent(UInt8.self, forKey: .deliveryMode),
            priority: try c.decodeIfPresent(UInt8.self, forKey: .priority),
            correlationID: try c.decodeIfPresent(String.self, forKey: .correlationID),
            replyTo: try c.decodeIfPresent(String.self, forKey: .replyTo),
            expiration: try c.decodeIfPresent(String.self, forKey: .expiration),
            messageID: try c.decodeIfPresent(String.self, forKey: .messageID),
            timestamp: try c.decodeIfPresent(UInt64.self, forKey: .timestamp).map { Date(timeIntervalSince1970: Double($0)) },
            type: try c.decodeIfPresent(String.self, forKey: .type),
            userID: try c.decodeIfPresent(String.self, forKey: .userID),
            appID: try c.decodeIfPresent(String.self, forKey: .appID),
            clusterID: try c.decodeIfPresent(String.self, forKey: .clusterID))
    }

    /// A date as AMQP's unsigned seconds, saturating (as the AMQP client encodes it): any
    /// timestamp a publisher sent, up to 2^64 - 1, is stored and republished as it came.
    static func wireSeconds(_ date: Date) -> UInt64 {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        guard seconds > 0 else { return 0 }
        return seconds < 18_446_744_073_709_551_616.0 ? UInt64(seconds) : .max
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(contentType, forKey: .contentType)
        try c.encodeIfPresent(contentEncoding, forKey: .contentEncoding)
        try c.encodeIfPresent(headers, forKey: .headers)
        try c.encodeIfPresent(deliveryMode, forKey: .deliveryMode)
        try c.encodeIfPresent(priority, forKey: .priority)
        try c.encodeIfPresent(correlationID, forKey: .correlationID)
        try c.encodeIfPresent(replyTo, forKey: .replyTo)
        try c.encodeIfPresent(expiration, forKey: .expiration)
        try c.encodeIfPresent(messageID, forKey: .messageID)
        try c.encodeIfPresent(timestamp.map(Self.wireSeconds), forKey: .timestamp)
        try c.encodeIfPresent(type, forKey: .type)
        try c.encodeIfPresent(userID, forKey: .userID)
        try c.encodeIfPresent(appID, forKey: .appID)
        try c.encodeIfPresent(clusterID, forKey: .clusterID)
    }

    /// Deterministic JSON (sorted keys), as stored and as fingerprinted.
    func storedJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    static func fromStoredJSON(_ text: String) throws -> MessageProperties {
        do {
            return try JSONDecoder().decode(MessageProperties.self, from: Data(text.utf8))
        } catch {
            throw StoreError.corrupted("stored message properties cannot be decoded")
        }
    }
}
