import Crypto
import Foundation

/// A signed statement that the audit chain had `hash` at `sequence` at `time`, made with an
/// Ed25519 key the database does not hold (``AuditCheckpointKey``) and kept outside it
/// (``AuditCheckpointFiles``). Anyone with write access to the database can recompute every
/// hash of the chain, but not this signature: a chain rewritten below a checkpoint no longer
/// reaches its hash, and `audit verify` says so.
public struct AuditCheckpoint: Sendable, Hashable {
    public var sequence: Int64
    /// The chain hash of record `sequence` (hex SHA-256).
    public var hash: String
    /// When it was signed, to the millisecond.
    public var time: Date
    /// The signing key's id (``AuditCheckpointPublicKey/id``).
    public var keyID: String
    /// Ed25519 over ``signedBytes``.
    public var signature: [UInt8]

    public init(sequence: Int64, hash: String, time: Date, keyID: String, signature: [UInt8]) {
        self.sequence = sequence
        self.hash = hash
        self.time = Date(milliseconds: time.milliseconds)
        self.keyID = keyID
        self.signature = signature
    }

    /// What the signature covers: a versioned, unambiguous line of the three facts.
    static func signedBytes(sequence: Int64, hash: String, time: Date) -> [UInt8] {
        Array("drehscheibe.audit.checkpoint.v1;\(sequence);\(hash);\(time.milliseconds)".utf8)
    }

    var signedBytes: [UInt8] { Self.signedBytes(sequence: sequence, hash: hash, time: time) }

    /// One line of the checkpoints file: `{"sequence":…,"hash":"…","time":MILLIS,"key":"…","signature":"BASE64"}`.
    public var line: String {
        #"{"sequence":\#(sequence),"hash":"\#(hash)","time":\#(time.milliseconds),"key":"\#(keyID)","signature":"\#(Data(signature).base64EncodedString())"}"#
    }

    /// Reads a line written by ``line``; nil when it is not one.
    public init?(line: String) {
        struct Line: Decodable {
            var sequence: Int64
            var hash: String
            var time: Int64
            var key: String
            var signature: String
        }
        guard let parsed = try? JSONDecoder().decode(Line.self, from: Data(line.utf8)),
              parsed.sequence >= 0, parsed.hash.utf8.count == 64, parsed.hash.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }),
              let signature = Data(base64Encoded: parsed.signature), signature.count == 64
        else { return nil }
        self.init(
            sequence: parsed.sequence, hash: parsed.hash, time: Date(milliseconds: parsed.time), keyID: parsed.key, signature: Array(signature))
    }
}
