import CaseModel

import Foundation
import Store

/// A dead letter as an operator sees it (`dead show`, the dashboard's detail view): failure
/// context, properties and headers, the body pretty-printed, the history. Personal data is
/// masked unless the view was made for someone allowed to see it.
public struct DeadLetterView: Sendable, Codable, Hashable {
    public struct HeaderEntry: Sendable, Codable, Hashable {
        public var name: String
        /// The AMQP field type, e.g. `string`, `int32`, `table`.
        public var type: String
        public var value: String
    }

    public struct Properties: Sendable, Codable, Hashable {
        public var contentType: String?
        public var contentEncoding: String?
        public var deliveryMode: UInt8?
        public var priority: UInt8?
        public var correlationID: String?
        public var replyTo: String?
        public var expiration: String?
        public var messageID: String?
        public var timestamp: Date?
        public var type: String?
        public var userID: String?
        public var appID: String?
        public var headers: [HeaderEntry]
    }

    public struct Edit: Sendable, Codable, Hashable {
        public var revision: Int
        public var editedAt: Date
        public var actor: String
        public var role: String
        public var reason: String?
        /// What changed: pointers, with values masked unless personal data is shown.
        public var changes: [Change]
        public var revalidation: Revalidation
    }

    public struct Change: Sendable, Codable, Hashable {
        public var kind: String
        public var path: String
        public var before: String?
        public var after: String?
    }

    public struct Replay: Sendable, Codable, Hashable {
        public var replayID: String
        public var exchange: String
        public var routingKey: String
        public var state: String
        public var attempts: Int
        public var updatedAt: Date
        public var outcome: String?
    }

    public var id: Int64
    public var messageID: String?
    public var eventType: String?
    public var sourceAgency: String?
    public var caseID: String?
    /// Who wrote it (`router`, `broker`, `unknown`): `unknown` letters are not believed and
    /// cannot be replayed (docs/trust-boundary.md).
    public var origin: DeadLetterOrigin
    /// The agency the hub vouches for as the sender, the only one a replay speaks for.
    public var sender: String?
    public var state: DeadLetterState
    public var replayable: Bool
    public var receivedAt: Date
    public var exchange: String
    public var routingKey: String
    /// The stored failure context, as the router wrote it or RabbitMQ's `x-death` said.
    public var failure: FailureContext
    public var properties: Properties
    /// `json` (pretty-printed), `text`, `base64` (not UTF-8) or `hidden` (masked, not JSON).
    public var bodyFormat: String
    /// The body replays would publish (the edited one, if edited).
    public var body: String
    public var bodyBytes: Int
    public var bodySHA256: String
    /// True when values in the body and in edit changes are masked.
    public var personalDataMasked: Bool
    public var edited: Bool
    public var revision: Int
    public var revalidation: Revalidation?
    public var edits: [Edit]
    public var replays: [Replay]
    public var replayCount: Int
    public var discardReason: String?

    public init(_ letter: DeadLetter, revealPersonalData: Bool, mask: PersonalDataMask = PersonalDataMask()) {
        id = letter.id.rawValue
        messageID = letter.messageID
        eventType = letter.eventType
        sourceAgency = letter.sourceAgency
        caseID = letter.caseID
        origin = letter.origin
        sender = letter.sender
        state = letter.state
        replayable = letter.isReplayable
        receivedAt = letter.receivedAt
        exchange = letter.exchange
        routingKey = letter.routingKey
        failure = letter.failure
        let p = letter.properties
        properties = Properties(
            contentType: p.contentType, contentEncoding: p.contentEncoding, deliveryMode: p.deliveryMode, priority: p.priority,
            correlationID: p.correlationID, replyTo: p.replyTo, expiration: p.expiration, messageID: p.messageID,
            timestamp: p.timestamp, type: p.type, userID: p.userID, appID: p.appID,
            headers: (p.headers ?? []).map { HeaderEntry(name: $0.name, type: $0.value.typeName, value: $0.value.displayText) })
        let body = letter.effectiveBody
        bodyBytes = body.count
        bodySHA256 = ContentDigest.sha256(body)
        personalDataMasked = !revealPersonalData
        if let document = try? JSONParser().parse(body) {
            bodyFormat = "json"
            self.body = (revealPersonalData ? document : mask.masked(document)).serializedString(pretty: true)
        } else if !revealPersonalData {
            bodyFormat = "hidden"
            self.body = mask.masked(body)
        } else if let text = String(validating: body, as: UTF8.self) {
            bodyFormat = "text"
            self.body = text
        } else {
            bodyFormat = "base64"
            self.body = Data(body).base64EncodedString()
        }
        edited = letter.editedBody != nil
        revision = letter.revision
        revalidation = letter.revalidation
        edits = letter.edits.map { edit in
            let changes = ((try? JSONParser().parse(Array(edit.diff.utf8)))?.arrayValue ?? []).map { change in
                let path = change["path"]?.stringValue ?? ""
                func show(_ value: JSONValue?) -> String? {
                    guard let value else { return nil }
                    return (revealPersonalData ? value : mask.masked(value, at: path)).serializedString()
                }
                return Change(kind: change["kind"]?.stringValue ?? "?", path: path, before: show(change["before"]), after: show(change["after"]))
            }
            return Edit(
                revision: edit.revision, editedAt: edit.editedAt, actor: edit.actor.name, role: edit.actor.role, reason: edit.reason,
                changes: changes, revalidation: edit.revalidation)
        }
        replays = letter.replays.map {
            Replay(replayID: $0.jobID, exchange: $0.route.exchange, routingKey: $0.route.routingKey, state: $0.state.rawValue,
                   attempts: $0.attempts, updatedAt: $0.updatedAt, outcome: $0.outcome)
        }
        replayCount = letter.replayCount
        discardReason = letter.discardReason
    }
}

extension HeaderValue {
    /// The AMQP field type's name.
    var typeName: String {
        switch self {
        case .bool: "bool"
        case .int8: "int8"
        case .uint8: "uint8"
        case .int16: "int16"
        case .uint16: "uint16"
        case .int32: "int32"
        case .uint32: "uint32"
        case .int64: "int64"
        case .float: "float"
        case .double: "double"
        case .decimal: "decimal"
        case .string: "string"
        case .rawString: "raw-string"
        case .bytes: "bytes"
        case .timestamp: "timestamp"
        case .array: "array"
        case .table: "table"
        case .void: "void"
        }
    }

    /// A one-line rendering for operators.
    var displayText: String {
        switch self {
        case .bool(let v): String(v)
        case .int8(let v): String(v)
        case .uint8(let v): String(v)
        case .int16(let v): String(v)
        case .uint16(let v): String(v)
        case .int32(let v): String(v)
        case .uint32(let v): String(v)
        case .int64(let v): String(v)
        case .float(let v): String(v)
        case .double(let v): String(v)
        case .decimal(let scale, let value): "\(value)e-\(scale)"
        case .string(let v): v
        case .rawString(let v), .bytes(let v): "base64:" + Data(v).base64EncodedString()
        case .timestamp(let v): ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(v)))
        case .array(let items): "[" + items.map(\.displayText).joined(separator: ", ") + "]"
        case .table(let entries): "{" + entries.map { "\($0.name): \($0.value.displayText)" }.joined(separator: ", ") + "}"
        case .void: "void"
        }
    }
}
