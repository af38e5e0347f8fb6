import Foundation

extension CaseEvent {
    /// Envelope attributes mirrored as `ce-<name>` application headers (CloudEvents' AMQP
    /// binding prefix), for operators and consumers that route on headers.
    static let mirroredHeaders = ["source", "subject", "dataschema", "legalpurpose", "dueat", "traceparent", "causationid"]

    /// The AMQP properties and headers this event is published with. `user_id` is left to the
    /// publisher's connection (RabbitMQ verifies it), delivery mode 2 to the publisher.
    public var amqpAttributes: AMQPAttributes {
        var headers: [String: String] = [:]
        for name in Self.mirroredHeaders {
            if let value = attribute(name) { headers["ce-" + name] = value }
        }
        return AMQPAttributes(
            messageID: id,
            type: type,
            correlationID: correlationid ?? subject,
            timestamp: timestamp.map { Date(timeIntervalSince1970: $0.timeIntervalSince1970.rounded(.down)) },
            contentType: Self.contentType,
            contentEncoding: "utf-8",
            appID: source,
            headers: headers)
    }

    /// The AMQP names of the properties and `ce-*` headers whose values contradict this
    /// envelope; empty when the copy is consistent. Absent properties contradict nothing.
    /// Ignored: headers outside the mirrored set, `user_id` (authentication checks it against
    /// `source`) and `app_id`, which AMQP defines as the creating application (the router
    /// stamps its own on what it delivers). The result names attributes only, never values.
    public func mismatches(_ attributes: AMQPAttributes) -> [String] {
        mismatches(attributes, expected: amqpAttributes)
    }

    /// ``mismatches(_:)`` against this event's ``amqpAttributes`` computed by the caller, who
    /// needs them again (the router, for the copies it publishes).
    public func mismatches(_ attributes: AMQPAttributes, expected: AMQPAttributes) -> [String] {
        var result: [String] = []
        if let value = attributes.messageID, value != expected.messageID { result.append("message_id") }
        if let value = attributes.type, value != expected.type { result.append("type") }
        if let value = attributes.correlationID, value != expected.correlationID { result.append("correlation_id") }
        if let value = attributes.timestamp {
            // AMQP timestamps have whole seconds.
            if let time = expected.timestamp {
                if value.timeIntervalSince1970.rounded(.down) != time.timeIntervalSince1970 { result.append("timestamp") }
            } else {
                result.append("timestamp")
            }
        }
        if let value = attributes.contentType, !Self.isCloudEventsContentType(value) { result.append("content_type") }
        if let value = attributes.contentEncoding, value.lowercased() != "utf-8" { result.append("content_encoding") }
        for name in Self.mirroredHeaders {
            let header = "ce-" + name
            if let value = attributes.headers[header], value != expected.headers[header] { result.append(header) }
        }
        return result
    }

    /// A string attribute of the envelope by name.
    func attribute(_ name: String) -> String? {
        object[name]?.stringValue
    }

    /// `application/cloudevents+json`, case-insensitively, with optional parameters (`; charset=utf-8`).
    static func isCloudEventsContentType(_ value: String) -> Bool {
        // The common case without Foundation's trimming and lowercasing (hot path).
        if value == contentType { return true }
        let mediaType = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return mediaType.trimmingCharacters(in: .whitespaces).lowercased() == contentType
    }
}
