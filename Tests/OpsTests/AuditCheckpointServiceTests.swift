import Foundation
import Ops
import ServiceLifecycle
import Store
import Testing

@Suite("Audit checkpoints signed by ops serve")
struct AuditCheckpointServiceTests {
    /// One at start, one at shutdown (after the other writers stopped): the last signed
    /// checkpoint is the chain's end, and `verifyAudit` reaches it.
    @Test func signsAtStartAndAtShutdown() async throws {
        try await withSQLiteStore { store in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("drehscheibe-ops-checkpoints-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            let files = AuditCheckpointFiles(directory: directory)
            try await store.appendAudit(AuditEntry(actor: .router, action: "test.first", subject: "x"))
            let (outcomes, signal) = AsyncStream<AuditCheckpointOutcome>.makeStream()
            let service = AuditCheckpointService(
                files: files, store: store, interval: .seconds(3600), logger: quietLogger("test.checkpoints"), observe: { signal.yield($0) })
            let group = ServiceGroup(configuration: .init(services: [service], gracefulShutdownSignals: [], logger: quietLogger("test.group")))
            let running = Task { try await group.run() }
            var iterator = outcomes.makeAsyncIterator()
            guard case .signed(let first) = await iterator.next() else { throw TestFailure("nothing signed at start") }
            #expect(first.sequence == 1)

            for index in 2...3 { try await store.appendAudit(AuditEntry(actor: .router, action: "test.more", subject: "\(index)")) }
            await group.triggerGracefulShutdown()
            try await running.value
            guard case .signed(let last) = await iterator.next() else { throw TestFailure("nothing signed at shutdown") }
            #expect(last.sequence == 3)
            let verification = try await Operations(store: store, revalidator: AcceptingRevalidator(), checkpoints: files, logger: quietLogger("test.ops"))
                .verifyAudit(by: Operator(name: "cli:test", role: .admin))
            #expect(verification.isIntact)
            #expect(verification.checkpoint == last)
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
