import Foundation
import Logging
import ServiceLifecycle
import Store

/// Signs the audit chain's end into the checkpoints file (``AuditCheckpointFiles``) when the
/// server starts, every `interval` while the chain grows, and once more at shutdown (after the
/// services that write audit records have stopped: it runs before them in the group).
///
/// The key is made on first use. A chain that no longer continues the latest checkpoint is not
/// signed (that would bless whatever rewrote it): the service logs an error each time and
/// `audit verify` reports the break.
public struct AuditCheckpointService: Service {
    let files: AuditCheckpointFiles
    let store: HubStore
    let interval: Duration
    let logger: Logger
    let readiness: ReadinessFlag?
    let observe: @Sendable (AuditCheckpointOutcome) -> Void

    /// `readiness` is set once the first checkpoint was attempted (for `/readyz`: `audit
    /// verify` right after start finds it); `observe` is called after each attempt (tests).
    public init(
        files: AuditCheckpointFiles, store: HubStore, interval: Duration = .seconds(60), logger: Logger, readiness: ReadinessFlag? = nil,
        observe: @escaping @Sendable (AuditCheckpointOutcome) -> Void = { _ in }
    ) {
        self.files = files
        self.store = store
        self.interval = interval
        self.logger = logger
        self.readiness = readiness
        self.observe = observe
    }

    public func run() async throws {
        // A key others may read, or one that does not match its public key, stops the server.
        let key = try files.signingKey()
        logger.info("signing audit checkpoints", metadata: [
            "audit.checkpoints": "\(files.checkpointsFile.path)", "audit.checkpoint_key": "\(key.publicKey.id)",
        ])
        await checkpoint()
        readiness?.set(true)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                break
            }
            await checkpoint()
        }
        await checkpoint()
    }

    func checkpoint() async {
        do {
            let outcome = try await files.writeCheckpoint(of: store)
            defer { observe(outcome) }
            switch outcome {
            case .signed(let checkpoint):
                logger.debug("audit checkpoint signed", metadata: ["audit.sequence": "\(checkpoint.sequence)"])
            case .unchanged:
                break
            case .refused(let problems):
                logger.error("the audit chain does not continue the last signed checkpoint; not signing it", metadata: [
                    "audit.problems": "\(problems.map(\.message).joined(separator: "; "))",
                ])
            }
        } catch {
            logger.error("writing an audit checkpoint failed", metadata: ["audit.error": "\(error)"])
        }
    }
}
