import ArgumentParser
import Foundation
import Logging
import Store

extension StoreOptions {
    /// The store `--store` names (or DREHSCHEIBE_STORE, or `.state/drehscheibe.sqlite`).
    func hubLocation() throws -> StoreLocation {
        guard location != "memory" else { throw ValidationError("the operations commands need a real store: sqlite:PATH or postgres://…") }
        do {
            return try StoreLocation(parsing: location)
        } catch let error as StoreError {
            throw ValidationError(error.context)
        }
    }

    /// Runs `body` with the store open and running (its connections live as long as `body`).
    func withHubStore<T: Sendable>(logger: Logger, _ body: @Sendable (HubStore) async throws -> T) async throws -> T {
        try await HubStore.withStore(try hubLocation(), logger: logger, body)
    }
}
