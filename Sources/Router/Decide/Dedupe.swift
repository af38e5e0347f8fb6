import Store

/// The router's dedupe: a message id is delivered once within its case (the envelope's `id`
/// within its `subject`), whoever resends it and however often. One key function for every
/// place that asks: the arrivals' lookup here, the in-flight marks of ``DecidedQueue`` and the
/// commits' marks in ``RecentlyDelivered``; the ledger records the same key from a
/// `RoutingRecord` (`deliveredKey`).
///
/// Three memories, cheapest first: the recent deliveries of this process (a fixed-size ring of
/// fingerprints), the items decided but not yet committed (``DecidedQueue``), and the routing
/// ledger in the store for everything older.
struct Dedupe: Sendable {
    let recent: RecentlyDelivered
    let ledger: any RoutingLedger

    /// The key a delivered message is remembered by; nil for a delivery the hub itself owes to
    /// named recipients (``MessageContext/isRedelivery``), which is never deduplicated.
    static func key(of context: MessageContext) -> DedupeKey? {
        guard !context.isRedelivery, let id = context.messageID, let caseID = context.caseID else { return nil }
        return DedupeKey(messageID: id, caseID: caseID)
    }

    /// True when this process delivered the key recently.
    func deliveredRecently(_ key: DedupeKey) -> Bool { recent.contains(key) }

    /// Of `keys`, those the ledger recorded as delivered (one lookup for a batch).
    func deliveredEarlier(_ keys: [DedupeKey]) async throws -> Set<DedupeKey> {
        keys.isEmpty ? [] : try await ledger.deliveredAlready(keys)
    }
}
