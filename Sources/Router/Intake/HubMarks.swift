import AMQP
import CaseModel
import Foundation

/// What the hub's own headers on an arriving message say: the retry bookkeeping, the
/// recipients still owed a copy, the replay mark, the sender a relay vouches for, and where
/// the message was first published.
///
/// The trust boundary for AMQP headers. RabbitMQ verifies `user_id` against the publishing
/// connection, so the hub knows which messages its own broker users published (the router's
/// retries, the operations tool's replays). Only from them are the hub's headers believed,
/// and even then bounds-checked. From a partner agency:
/// - a header in the hub's namespace (``HubHeader/isReserved(_:)``: `x-drehscheibe-*`,
///   `drehscheibe-*`, in any letter case) is **refused** — the message is dead-lettered as
///   `unauthorized` (`auth.reserved-header`) with a receipt naming the header, and a
///   `forged-hub-header` incident goes to the BSI: no adapter built on the SDK writes one, so it
///   is a broken or compromised adapter, and silently ignoring it would hide that;
/// - the headers RabbitMQ writes itself (``HubHeader/isBrokerSet(_:)``: `x-death`,
///   `x-delivery-count`, …) are **ignored**: quorum queues add `x-delivery-count` to every
///   redelivery, and nothing the hub decides about a partner's message depends on them.
public struct HubMarks: Sendable, Hashable {
    /// Delivery attempts so far (retries through the tiers count up), at most ``maximumAttempts``.
    public var attempts = 0
    public var firstFailure: Date?
    /// On a retry or a targeted replay: the recipients still owed a copy.
    public var pendingRecipients: Set<String>?
    public var replayed = false
    /// The agency a relay (router retry, operator replay) vouches for; checked by authentication.
    public var relayedSender: String?
    /// Where the message was first published, when a hub relay says so.
    public var originalExchange: String?
    public var originalRoutingKey: String?

    /// Larger counts are cut to this (a hub bug must not make arithmetic overflow).
    public static let maximumAttempts = 1_000
    /// Recipients a pending list may name.
    public static let maximumPendingRecipients = 64

    public init() {}

    /// Reads the marks of `inbound`: the hub's headers when a hub user (`hubUsers`) published
    /// it, none when a partner did, or why the message is refused.
    public static func read(_ inbound: Inbound, hubUsers: Set<String>) -> Result<HubMarks, RouterFailure> {
        let headers = inbound.properties.headers ?? FieldTable()
        guard let user = inbound.properties.userID, hubUsers.contains(user) else {
            let reserved = headers.keys.filter(HubHeader.isReserved)
            guard reserved.isEmpty else {
                let names = reserved.prefix(5).map(printable).joined(separator: ", ")
                return .failure(.unauthorized(
                    "auth.reserved-header",
                    "The message carries \(reserved.count) header(s) only the hub may set (\(names)); a partner's message must not use the x-drehscheibe- or drehscheibe- prefix.",
                    incident: "forged-hub-header"))
            }
            return .success(HubMarks())
        }
        return fromHub(headers)
    }

    /// The marks of a message a hub user published: every value bounds-checked.
    static func fromHub(_ headers: FieldTable) -> Result<HubMarks, RouterFailure> {
        var marks = HubMarks()
        func bad(_ name: String, _ what: String) -> Result<HubMarks, RouterFailure> {
            .failure(.malformed("hub.bad-header", "The hub header \(name) \(what)."))
        }
        func text(_ name: String, maximum: Int = 255) -> Result<String?, RouterFailure> {
            guard let value = headers[name] else { return .success(nil) }
            guard let string = value.stringValue, string.utf8.count <= maximum else {
                return .failure(.malformed("hub.bad-header", "The hub header \(name) is not a string of at most \(maximum) bytes."))
            }
            return .success(string)
        }
        if let value = headers[HubHeader.attempts] {
            guard let count = value.int64Value else { return bad(HubHeader.attempts, "is not an integer") }
            marks.attempts = Int(min(max(count, 0), Int64(maximumAttempts)))
        }
        do throws(RouterFailure) {
            if let first = try text(HubHeader.firstFailure, maximum: 64).get() {
                // A date that does not parse counts as absent (then the failure's own time is the first).
                marks.firstFailure = ISO8601DateFormatter().date(from: first)
            }
            if let pending = try text(HubHeader.pendingRecipients, maximum: 8_192).get(), !pending.isEmpty {
                let names = pending.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                guard names.count <= maximumPendingRecipients, names.allSatisfy({ AgencyID($0) != nil }) else {
                    return bad(HubHeader.pendingRecipients, "is not a list of at most \(maximumPendingRecipients) agency ids")
                }
                marks.pendingRecipients = Set(names)
            }
            marks.replayed = try text(HubHeader.replayed, maximum: 16).get() == "true"
            marks.relayedSender = try text(HubHeader.sender).get()
            marks.originalExchange = try text(HubHeader.originalExchange).get()
            marks.originalRoutingKey = try text(HubHeader.originalRoutingKey).get()
        } catch {
            return .failure(error)
        }
        return .success(marks)
    }

    /// A header name as it may appear in a reason: printable ASCII, at most 64 characters.
    static func printable(_ name: String) -> String {
        let cleaned = String(String.UnicodeScalarView(name.unicodeScalars.prefix(64).map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? $0 : "?" }))
        return "'\(cleaned)'"
    }
}
