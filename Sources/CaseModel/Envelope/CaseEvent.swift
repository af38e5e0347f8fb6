import Foundation

/// A Drehscheibe case message: a decoded CloudEvents 1.0 structured-mode envelope
/// (`application/cloudevents+json`).
///
/// Decoding checks structure only (strict JSON, required attributes, `specversion`, the shape
/// of `type`); whether the attributes and `data` follow the contract is
/// ``CaseSchemas/validate(_:)``'s job. The whole envelope is kept in ``object`` so projections
/// and re-serialisation keep unknown members and the original member order.
public struct CaseEvent: Sendable, Hashable {
    /// Message id (a UUID), chosen by the producer and kept on retries and replays.
    public let id: String
    /// The sending agency as a URN, e.g. `urn:de:migration:abh:berlin`.
    public let source: String
    /// The versioned event type as written, e.g. `de.migration.asylum.seeker-registered.v2`
    /// (also the routing key on `case.ingress`).
    public let type: String
    /// ``type`` parsed; decoding guarantees it parses.
    public let eventType: EventTypeName
    /// The case id (Vorgangskennung), e.g. `av.istanbul:IST-2026-004711`.
    public let subject: String
    /// When the event happened at the producer, RFC 3339 as written.
    public let time: String
    /// Always `1.0`.
    public let specversion: String
    /// `application/json` for Drehscheibe events.
    public let datacontenttype: String
    /// The `$id` of the data schema of ``type``.
    public let dataschema: String
    /// The event data (an object for valid events).
    public let data: JSONValue
    /// Extension: id of the business transaction (a request and all its answers).
    public let correlationid: String?
    /// Extension: id of the message that caused this one.
    public let causationid: String?
    /// Extension: W3C Trace Context `traceparent`.
    public let traceparent: String?
    /// Extension: the legal basis of the transmission (Rechtsgrundlage), e.g. `§ 73 AufenthG`.
    public let legalpurpose: String?
    /// Extension: the legal deadline for an answer, e.g. the end of a silence period
    /// (Zustimmungsfiktion), RFC 3339.
    public let dueat: String?
    /// The whole envelope, members in their original order.
    public let object: JSONObject

    /// The AMQP content type of every Drehscheibe message (structured-mode CloudEvents).
    public static let contentType = "application/cloudevents+json"

    /// The attributes CloudEvents and the envelope schema require, in the order they are checked.
    static let requiredStringAttributes = ["specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema"]
    /// Optional extension attributes; when present they must be strings.
    static let extensionAttributes = ["correlationid", "causationid", "traceparent", "legalpurpose", "dueat"]

    /// Reads an envelope from a parsed JSON object.
    public init(object: JSONObject) throws(EnvelopeError) {
        func string(_ name: String) throws(EnvelopeError) -> String {
            guard let value = object[name] else {
                throw EnvelopeError(code: .missingAttribute, pointer: JSONPointer(tokens: [name]))
            }
            guard case .string(let text) = value else {
                throw EnvelopeError(code: .invalidAttribute, pointer: JSONPointer(tokens: [name]))
            }
            return text
        }
        func optionalString(_ name: String) throws(EnvelopeError) -> String? {
            guard let value = object[name] else { return nil }
            guard case .string(let text) = value else {
                throw EnvelopeError(code: .invalidAttribute, pointer: JSONPointer(tokens: [name]))
            }
            return text
        }
        specversion = try string("specversion")
        guard specversion == "1.0" else {
            throw EnvelopeError(code: .unsupportedSpecversion, pointer: JSONPointer(tokens: ["specversion"]))
        }
        id = try string("id")
        source = try string("source")
        type = try string("type")
        guard let eventType = EventTypeName(type) else {
            throw EnvelopeError(code: .unknownType, pointer: JSONPointer(tokens: ["type"]))
        }
        self.eventType = eventType
        subject = try string("subject")
        time = try string("time")
        datacontenttype = try string("datacontenttype")
        dataschema = try string("dataschema")
        guard let data = object["data"] else {
            throw EnvelopeError(code: .missingAttribute, pointer: JSONPointer(tokens: ["data"]))
        }
        self.data = data
        correlationid = try optionalString("correlationid")
        causationid = try optionalString("causationid")
        traceparent = try optionalString("traceparent")
        legalpurpose = try optionalString("legalpurpose")
        dueat = try optionalString("dueat")
        self.object = object
    }

    /// Decodes UTF-8 bytes with the strict parser (size, depth, number and string limits,
    /// duplicate keys, invalid UTF-8 and lone surrogates rejected), then reads the envelope.
    public static func decode(_ bytes: [UInt8], limits: JSONParser.Limits = .init()) throws(EnvelopeError) -> CaseEvent {
        let value: JSONValue
        do {
            value = try JSONParser(limits: limits).parse(bytes)
        } catch {
            throw EnvelopeError(error)
        }
        guard case .object(let object) = value else { throw EnvelopeError(code: .notAnObject) }
        return try CaseEvent(object: object)
    }

    /// The envelope as compact JSON: members in their original order, numbers as written.
    /// Whitespace and string escapes are normalised, so keep the received bytes when the
    /// exact original matters (dead letters do).
    public func serialized() -> [UInt8] {
        JSONValue.object(object).serialized()
    }

    /// ``time`` as an instant, or nil when it is not an RFC 3339 date-time.
    public var timestamp: Date? {
        ZonedDateTime(rfc3339: time)?.instant
    }

    /// The agency id of ``source`` (`urn:de:migration:abh:berlin` → `abh.berlin`), or nil when
    /// the source is not a Drehscheibe agency URN.
    public var sourceAgency: AgencyID? {
        AgencyID(urn: source)
    }

    /// A copy with other members; the result is read again, so it is checked like a decoded one.
    public func replacing(_ changes: [String: JSONValue]) throws(EnvelopeError) -> CaseEvent {
        var object = self.object
        for (name, value) in changes.sorted(by: { $0.key < $1.key }) { object[name] = value }
        return try CaseEvent(object: object)
    }
}

extension CaseEvent {
    /// Equal when the envelopes are equal as JSON; every attribute is read from ``object``.
    public static func == (lhs: CaseEvent, rhs: CaseEvent) -> Bool { lhs.object == rhs.object }

    public func hash(into hasher: inout Hasher) { hasher.combine(object) }
}
