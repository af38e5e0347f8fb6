import AMQP
import Foundation
import Logging
import ServiceLifecycle
import Store
import Synchronization

/// Runs the replays the HTTP API starts, in the background of `ops serve`: one `Replayer`
/// over one confirm channel of broker user `drehscheibe-ops`. On graceful shutdown every
/// running replay is paused after its message in flight, so it can be resumed later.
public final class ReplayCoordinator: Service {
    /// The runner id replays started here are held by.
    public let runner: String
    let amqp: ConnectionConfiguration
    let store: HubStore
    let logger: Logger

    private struct State {
        var replayer: Replayer?
        var running: [String: Task<Void, Never>] = [:]
    }

    private let state = Mutex(State())
    /// Opens once the publisher is connected.
    public let connected = Latch()

    public init(amqp: ConnectionConfiguration, store: HubStore, logger: Logger) {
        self.amqp = amqp
        self.store = store
        self.logger = logger
        let host = ProcessInfo.processInfo.hostName
        self.runner = "ops-serve-\(host)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    public func run() async throws {
        let connection = try await Connection.connect(amqp, logger: logger)
        let publisher = try await AMQPReplayPublisher(connection: connection)
        state.withLock { $0.replayer = Replayer(store: store, publisher: publisher, runner: runner, logger: logger) }
        connected.open()
        try? await gracefulShutdown()
        let tasks = state.withLock { state -> [Task<Void, Never>] in
            state.replayer = nil
            return Array(state.running.values)
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        await connection.close()
    }

    /// Starts publishing a replay this coordinator's runner holds.
    public func launch(_ job: ReplayJob) throws {
        try state.withLock { state in
            guard let replayer = state.replayer else { throw OpsError(.unavailable, "the replay publisher is not connected to the broker") }
            guard state.running[job.id] == nil else { return }
            let logger = self.logger
            state.running[job.id] = Task { [weak self] in
                do {
                    _ = try await replayer.run(job)
                } catch {
                    logger.error("replay stopped", metadata: ["replay.id": "\(job.id)", "replay.error": "\(error)"])
                }
                _ = self?.state.withLock { $0.running.removeValue(forKey: job.id) }
            }
        }
    }

    /// Pauses a running replay after its message in flight; returns false if it is not running here.
    public func cancel(_ jobID: String) async -> Bool {
        guard let task = state.withLock({ $0.running[jobID] }) else { return false }
        task.cancel()
        await task.value
        return true
    }

    /// True while the replay runs here.
    public func isRunning(_ jobID: String) -> Bool { state.withLock { $0.running[jobID] != nil } }

    public var isConnected: Bool { state.withLock { $0.replayer != nil } }
}
