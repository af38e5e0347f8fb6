import CaseModel
import Logging
import ServiceLifecycle
import Store

/// Writes the login guard's window summaries (``LoginAuditBudget``) when a window ends without
/// a further attempt to carry them, and the open window's at shutdown.
struct LoginSummaryService: Service {
    let loginGuard: LoginGuard
    let store: HubStore
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: loginGuard.limits.auditWindow) }
            } catch {
                break
            }
            await write(loginGuard.closeWindow())
        }
        await write(loginGuard.closeWindow(force: true))
    }

    private func write(_ entries: [AuditEntry]) async {
        for entry in entries {
            do {
                try await store.appendAudit(entry)
                logger.notice("login attempts summarised in the audit log", metadata: ["audit.details": "\(entry.details.serializedString())"])
            } catch {
                logger.error("writing a login summary failed", metadata: ["audit.error": "\(error)"])
            }
        }
    }
}
