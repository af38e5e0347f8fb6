import Crypto
import Foundation

/// How the audit chain covers the routing log: the router records its decisions in batches,
/// and each batch is one audit record (`route.recorded`) that carries the number of
/// routing-log rows written with it and a digest of them, while each of those rows names the
/// record (`audit_sequence`). A changed, removed or added row of a batch no longer matches its
/// record, and the record cannot be changed without breaking the chain.
///
/// Why not an audit record per decision, as before: the record repeated what the routing-log
/// row says, so every routed message cost the store two rows and two hashes — a large share of
/// the SQLite ledger's cost (`bench ledger`, docs/benchmarks.md). And the
/// rows the trace shows were not covered by the chain at all; now they are.
enum RoutingDigest {
    /// The routing-log columns a row's hash covers, in order (also the insert's column list).
    static let columns = [
        "message_id", "event_type", "case_id", "source", "sender", "received_at", "decided_at", "replayed",
        "outcome", "deliveries", "error_code", "stage", "reason", "audit_sequence",
    ]

    /// The audit action of a batch's record.
    static let action = "route.recorded"

    /// SHA-256 over one row's values in ``columns`` order, each length-prefixed and tagged with
    /// its type (unambiguous, like ``AuditChain``'s fields), under a versioned prefix.
    private static func hash(row: [SQLValue]) -> [UInt8] {
        // Encoded into one buffer and hashed once: the router hashes a row per routed message.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(512)
        bytes.append(contentsOf: "drehscheibe.routing.v1;".utf8)
        func append(decimal number: some BinaryInteger) {
            if number < 0 { bytes.append(UInt8(ascii: "-")) }
            var magnitude = number.magnitude
            let start = bytes.count
            repeat {
                bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
                magnitude /= 10
            } while magnitude > 0
            bytes[start...].reverse()
        }
        for value in row {
            switch value {
            case .null:
                bytes.append(UInt8(ascii: "n"))
            case .integer(let number):
                bytes.append(UInt8(ascii: "i"))
                append(decimal: number)
            case .real(let number):
                bytes.append(UInt8(ascii: "r"))
                append(decimal: number.bitPattern)
            case .text(let text):
                bytes.append(UInt8(ascii: "s"))
                append(decimal: text.utf8.count)
                bytes.append(UInt8(ascii: ":"))
                bytes.append(contentsOf: text.utf8)
            case .blob(let blob):
                bytes.append(UInt8(ascii: "b"))
                append(decimal: blob.count)
                bytes.append(UInt8(ascii: ":"))
                bytes.append(contentsOf: blob)
            }
            bytes.append(UInt8(ascii: ";"))
        }
        return Array(SHA256.hash(data: bytes))
    }

    /// A batch's digest: SHA-256 over its rows' hashes in ascending order, so it does not depend
    /// on the order a database returns the rows in.
    private static func digest(ofRowHashes hashes: [[UInt8]]) -> String {
        var hasher = SHA256()
        for hash in hashes.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            hash.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        }
        return ContentDigest.hex(hasher.finalize())
    }

    /// What the routing log holds for one audit record: its rows' count and digest.
    struct Batch: Sendable, Hashable {
        var rows: Int
        var digest: String
    }

    /// Groups routing-log rows (values in ``columns`` order, `audit_sequence` last) by the audit
    /// record they name.
    static func batches(_ rows: some Sequence<[SQLValue]>) -> [Int64: Batch] {
        var hashes: [Int64: [[UInt8]]] = [:]
        for row in rows {
            guard case .integer(let sequence) = row.last else { continue }
            hashes[sequence, default: []].append(hash(row: row))
        }
        return hashes.mapValues { Batch(rows: $0.count, digest: digest(ofRowHashes: $0)) }
    }
}
