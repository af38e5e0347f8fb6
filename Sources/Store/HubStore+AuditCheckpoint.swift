import Foundation

/// What signing a checkpoint came to.
public enum AuditCheckpointOutcome: Sendable, Hashable {
    /// Signed: the chain's last record, which continues the previous checkpoint.
    case signed(AuditCheckpoint)
    /// The chain has not grown since the previous checkpoint: nothing new to sign.
    case unchanged(AuditCheckpoint)
    /// Not signed: the chain no longer continues the previous checkpoint (or, for the first
    /// one, is broken). Signing it would bless whatever rewrote it.
    case refused([AuditVerification.Problem])
}

extension HubStore {
    /// Signs the chain's last record with `key`, after checking that the records from
    /// `previous` (the latest checkpoint) on still chain up to it: unchanged hashes, no gaps,
    /// each linked to the one before, the first still the checkpointed hash. Without a previous
    /// checkpoint the whole chain is checked. Reads only the records since the checkpoint.
    /// An empty chain is signed as record #0 with the genesis hash, so that a checkpoint
    /// exists from the start (and a missing one means the file lost it).
    public func signAuditCheckpoint(with key: AuditCheckpointKey, after previous: AuditCheckpoint?, at date: Date = Date()) async throws -> AuditCheckpointOutcome {
        let records = try await read { session in
            try await session.query(
                "SELECT * FROM audit_log WHERE sequence >= ? ORDER BY sequence", [.integer(previous?.sequence ?? 1)]
            ).map(AuditWriter.record)
        }
        if let problem = AuditChain.continuation(of: previous, in: records) { return .refused([problem]) }
        let last = records.last.map { (sequence: $0.sequence, hash: $0.hash) } ?? (0, AuditChain.genesis)
        if let previous, last.sequence == previous.sequence { return .unchanged(previous) }
        return .signed(try key.sign(sequence: last.sequence, hash: last.hash, at: date))
    }
}
