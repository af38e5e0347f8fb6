import Foundation
import Logging

/// Metrics and log lines of committed items: identifiers only, never content.
extension ShardWorker {
    /// Logs and counts a committed item.
    func account(_ entry: Planned, logger: Logger) {
        let plan = entry.plan
        switch plan.outcome {
        case .duplicate:
            logger.debug("duplicate ignored", metadata: Self.metadata(plan.context))
        case .delivered:
            if case .routed(let routed) = entry.item.decision.kind {
                metrics.copies(routed.copies.count, type: routed.copies.first?.type ?? "unknown")
            }
        case .retried:
            logger.info("retry scheduled", metadata: Self.metadata(plan.context).merging(["router.detail": "\(plan.failure?.detail ?? "")"]) { $1 })
        case .deadLettered:
            if let failure = plan.failure {
                logger.warning("dead-lettered", metadata: Self.metadata(plan.context).merging([
                    "router.error.code": "\(failure.code)", "router.error.detail": "\(failure.detail)", "router.stage": "\(failure.stage.rawValue)",
                ]) { $1 })
            }
        }
        metrics.message(outcome: plan.outcome.rawValue, stage: plan.stage.rawValue, type: plan.context.eventType)
        metrics.latency(seconds: Date().timeIntervalSince(entry.item.decision.inbound.receivedAt), outcome: plan.outcome.rawValue)
    }

    /// Log metadata: identifiers only (message id, type, case id), never content.
    static func metadata(_ context: MessageContext) -> Logger.Metadata {
        var metadata: Logger.Metadata = [:]
        if let id = context.messageID { metadata["message.id"] = "\(id)" }
        if let type = context.eventType { metadata["message.type"] = "\(type)" }
        if let caseID = context.caseID { metadata["case.id"] = "\(caseID)" }
        if let sender = context.sender { metadata["message.sender"] = "\(sender)" }
        return metadata
    }
}
