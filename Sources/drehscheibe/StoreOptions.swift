import ArgumentParser
import Foundation
import Logging
import Ops
import Router
import ServiceLifecycle
import Store

/// `--store`, defaulting to DREHSCHEIBE_STORE: `sqlite:PATH` (default `.state/drehscheibe.sqlite`),
/// `postgres://user:pass@host:port/db`, or `memory` (forgets on exit; tests and demos only).
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("store"), help: "sqlite:PATH | postgres://... | memory (default: $DREHSCHEIBE_STORE or sqlite:.state/drehscheibe.sqlite)")
    var store: String?

    var location: String {
        store ?? ProcessInfo.processInfo.environment["DREHSCHEIBE_STORE"] ?? "sqlite:.state/drehscheibe.sqlite"
    }

    /// The routing ledger of the configured store, and the service that keeps the store's
    /// connections (nil for memory). Run that service for as long as the ledger is used.
    func ledger(logger: Logger) throws -> (ledger: any RoutingLedger, service: (any Service)?) {
        if location == "memory" { return (MemoryLedger(), nil) }
        let store = try HubStore(try hubLocation(), logger: logger)
        return (store, StoreService(store: store))
    }
}
