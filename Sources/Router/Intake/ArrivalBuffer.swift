import AMQP
import Foundation

/// Deliveries between the consumer and a shard's decide task. The connection's I/O thread
/// appends each delivery (no task is woken per message), so whatever arrived while the last
/// chunk was decided is taken together.
final class ArrivalBuffer: Sendable {
    typealias Arrival = (delivery: Delivery, arrivedAt: Date)

    private struct State {
        var deliveries: [Arrival] = []
        var finished = false
        var error: (any Error)?
    }

    private enum Step { case batch([Arrival]), failed(any Error), end }

    private let state = Handoff(State())

    func append(_ delivery: Delivery) {
        let now = Date()
        state.update { $0.deliveries.append((delivery, now)) }
    }

    /// No more deliveries; `next` hands out what is left, then nil (or throws `error`).
    /// The first call counts (a cancel and the consumer's end may both report it).
    func finish(throwing error: (any Error)?) {
        state.update { state in
            guard !state.finished else { return }
            state.finished = true
            state.error = error
        }
    }

    /// Up to `limit` deliveries in arrival order, each with the time it arrived (the start of
    /// its routing latency); waits while there are none; nil at the end.
    func next(limit: Int) async throws -> [Arrival]? {
        let step = await state.next { state -> Step? in
            if !state.deliveries.isEmpty {
                return .batch(state.deliveries.takeFirst(max(limit, 1)))
            }
            guard state.finished else { return nil }
            return state.error.map { .failed($0) } ?? .end
        }
        switch step {
        case .batch(let batch): return batch
        case .failed(let error): throw error
        case .end: return nil
        }
    }
}
