import AMQP
import Foundation
import Logging
import Store

extension ShardWorker {
    /// Runs the pure stages and one dedupe lookup for the whole batch.
    func decide(_ arrivals: [(delivery: Delivery, arrivedAt: Date)], logger: Logger) async -> [Item] {
        let pipeline = rules.pipeline
        var items: [Item?] = Array(repeating: nil, count: arrivals.count)
        var admitted: [(index: Int, inbound: Inbound, context: MessageContext, value: Pipeline.Admitted)] = []
        for (index, (delivery, arrivedAt)) in arrivals.enumerated() {
            let inbound = Inbound(delivery, receivedAt: arrivedAt)
            let (result, context) = pipeline.admit(inbound)
            switch result {
            case .failure(let failure):
                items[index] = Item(delivery: delivery, decision: Decision(inbound: inbound, context: context, kind: .failed(failure)))
            case .success(let value) where Dedupe.key(of: value.context).map(dedupe.deliveredRecently) ?? false:
                items[index] = Item(delivery: delivery, decision: Decision(inbound: inbound, context: context, kind: .duplicate))
            case .success(let value):
                admitted.append((index, inbound, context, value))
            }
        }
        var routedAlready: Set<DedupeKey> = []
        var ledgerFailed = false
        if !admitted.isEmpty {
            do {
                routedAlready = try await dedupe.deliveredEarlier(admitted.compactMap { Dedupe.key(of: $0.value.context) })
            } catch {
                logger.error("ledger lookup failed; retrying the messages later", metadata: ["router.error": "\(error)"])
                ledgerFailed = true
            }
        }
        // A message twice in one batch (a sender that resent quickly) is delivered once.
        var inBatch: Set<DedupeKey> = []
        for entry in admitted {
            let delivery = arrivals[entry.index].delivery
            if ledgerFailed {
                let failure = RouterFailure(code: "internal", detail: "ledger.unavailable", stage: .dedupe, reason: "The routing ledger could not be read.", retryable: true)
                items[entry.index] = Item(delivery: delivery, decision: Decision(inbound: entry.inbound, context: entry.context, kind: .failed(failure)))
                continue
            }
            if let key = Dedupe.key(of: entry.value.context), routedAlready.contains(key) || !inBatch.insert(key).inserted {
                items[entry.index] = Item(delivery: delivery, decision: Decision(inbound: entry.inbound, context: entry.context, kind: .duplicate))
                continue
            }
            switch pipeline.route(entry.value) {
            case .failure(let failure):
                items[entry.index] = Item(delivery: delivery, decision: Decision(inbound: entry.inbound, context: entry.context, kind: .failed(failure)))
            case .success(let routed):
                items[entry.index] = Item(delivery: delivery, decision: Decision(inbound: entry.inbound, context: routed.context, kind: .routed(routed)))
            }
        }
        return items.compactMap { $0 }
    }
}
