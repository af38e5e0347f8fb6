import ArgumentParser
import Foundation
import Logging
import Router
import Store

/// `--store`, defaulting to DREHSCHEIBE_STORE: `sqlite:PATH` (default `.state/drehscheibe.sqlite`),
/// `postgres://user:pass@host:port/db`, or `memory` (forgets on exit; tests and demos only).
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("store"), help: "sqlite:PATH | postgres://... | memory (default: $DREHSCHEIBE_STORE or sqlite:.state/drehscheibe.sqlite)")
    var store: String?

    var location: String {
        store ?? ProcessInfo.processInfo.environment["DREHSCHEIBE_STORE"] ?? "sqlite:.state/drehscheibe.sqlite"
    }

    /// The routing ledger of the configured store.
    func ledger(logger: Logger) async throws -> any RoutingLedger {
        if location == "memory" { return MemoryLedger() }
        // Wired to the Store module's SQLite and PostgreSQL ledgers once they land (issue 6).
        throw ValidationError("store \(location) is not available yet; use --store memory")
    }
}
