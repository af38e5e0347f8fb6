import ServiceLifecycle
import Store

/// The store as a service: keeps its connections while the service group runs. List it first
/// in the group, so it is shut down last, after the services that write to it.
public struct StoreService: Service {
    public let store: HubStore

    public init(store: HubStore) {
        self.store = store
    }

    public func run() async throws {
        let store = self.store
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await cancelWhenGracefulShutdown { try await store.run() } }
            // Fail at start, not at the first request, when the schema cannot be created.
            try await store.migrate()
            try await group.waitForAll()
        }
    }
}
