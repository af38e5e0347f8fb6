import Foundation

/// The AMQP 0-9-1 basic properties and headers that mirror a case event, as plain values so
/// CaseModel does not depend on the AMQP client. Brokers and operators see these without
/// parsing the body; the router refuses a message whose copy contradicts its envelope.
public struct AMQPAttributes: Sendable, Hashable {
    /// `message_id`: the envelope's `id`.
    public var messageID: String?
    /// `type`: the versioned event type.
    public var type: String?
    /// `correlation_id`: `correlationid`, or the case id (`subject`) when there is none.
    public var correlationID: String?
    /// `timestamp`: `time`, in whole seconds as AMQP carries it.
    public var timestamp: Date?
    /// `content_type`: `application/cloudevents+json`.
    public var contentType: String?
    /// `content_encoding`: `utf-8`.
    public var contentEncoding: String?
    /// `app_id`: the `source` URN (Schemas/README.md); not compared by ``CaseEvent/mismatches(_:)``.
    public var appID: String?
    /// `user_id`: the authenticated broker user (= agency id). Set by the publisher's
    /// connection and verified by RabbitMQ, so it is not derived from the envelope.
    public var userID: String?
    /// Application headers, e.g. `ce-source`, `ce-subject`.
    public var headers: [String: String]

    public init(messageID: String? = nil, type: String? = nil, correlationID: String? = nil, timestamp: Date? = nil,
                contentType: String? = nil, contentEncoding: String? = nil, appID: String? = nil, userID: String? = nil,
                headers: [String: String] = [:]) {
        self.messageID = messageID
        self.type = type
        self.correlationID = correlationID
        self.timestamp = timestamp
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.appID = appID
        self.userID = userID
        self.headers = headers
    }
}
