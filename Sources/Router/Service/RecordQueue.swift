import Store

/// Committed decisions waiting for the ledger, between a shard's commit task and its ledger task.
final class RecordQueue: Sendable {
    private struct State {
        var records: [RoutingRecord] = []
        var finished = false
    }

    private let state = Handoff(State())

    func append(_ records: [RoutingRecord]) {
        guard !records.isEmpty else { return }
        state.update { $0.records += records }
    }

    /// No more records: `next` hands out what is left, then nil.
    func finish() { state.update { $0.finished = true } }

    /// Everything appended since the last call, in order, once there is something; nil when
    /// finished and empty.
    func next() async -> [RoutingRecord]? {
        await state.next { state -> [RoutingRecord]?? in
            if !state.records.isEmpty {
                defer { state.records = [] }
                return state.records
            }
            return state.finished ? .some(nil) : nil
        }
    }
}

extension RoutingRecord {
    var isDelivered: Bool {
        if case .delivered = outcome { true } else { false }
    }
}
