import Crypto
import Foundation

/// The private half, held by the operations server (and `drehscheibe audit checkpoint`) in a
/// file of mode 0600 outside the database. Kept as its raw 32 bytes.
public struct AuditCheckpointKey: Sendable {
    let raw: [UInt8]

    /// A new random key.
    public init() {
        raw = Array(Curve25519.Signing.PrivateKey().rawRepresentation)
    }

    /// From the key file's text: the raw 32-byte key in base64.
    public init(fileText: String) throws {
        guard let raw = Data(base64Encoded: fileText.trimmingCharacters(in: .whitespacesAndNewlines)), raw.count == 32,
              (try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)) != nil
        else { throw StoreError.checkpointFiles("the checkpoint key file does not hold a base64 Ed25519 private key") }
        self.raw = Array(raw)
    }

    private var key: Curve25519.Signing.PrivateKey {
        // Any 32 bytes are an Ed25519 seed; `init` checked these.
        try! Curve25519.Signing.PrivateKey(rawRepresentation: raw)
    }

    public var fileText: String { Data(raw).base64EncodedString() + "\n" }

    public var publicKey: AuditCheckpointPublicKey { AuditCheckpointPublicKey(raw: Array(key.publicKey.rawRepresentation)) }

    /// Signs the chain's state.
    public func sign(sequence: Int64, hash: String, at time: Date = Date()) throws -> AuditCheckpoint {
        let time = Date(milliseconds: time.milliseconds)
        let signature = try key.signature(for: AuditCheckpoint.signedBytes(sequence: sequence, hash: hash, time: time))
        return AuditCheckpoint(sequence: sequence, hash: hash, time: time, keyID: publicKey.id, signature: Array(signature))
    }
}

/// The public half: next to the key file, or pinned in deploy configuration so that whoever
/// can write the key's directory cannot swap it for their own.
public struct AuditCheckpointPublicKey: Sendable, Hashable {
    let raw: [UInt8]

    init(raw: [UInt8]) {
        self.raw = raw
    }

    /// `ed25519:BASE64` (the raw 32-byte key), as the `.pub` file holds it.
    public init(fileText: String) throws {
        let text = fileText.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("ed25519:"), let raw = Data(base64Encoded: String(text.dropFirst(8))), raw.count == 32,
              (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil
        else { throw StoreError.checkpointFiles("a checkpoint public key is ed25519:BASE64 (32 bytes)") }
        self.raw = Array(raw)
    }

    public var fileText: String { "ed25519:\(Data(raw).base64EncodedString())\n" }

    /// The first 8 bytes of the key's SHA-256, in hex: names the key in each checkpoint.
    public var id: String { ContentDigest.hex(SHA256.hash(data: raw).prefix(8)) }

    public func isValid(_ checkpoint: AuditCheckpoint) -> Bool {
        guard checkpoint.keyID == id, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { return false }
        return key.isValidSignature(checkpoint.signature, for: checkpoint.signedBytes)
    }
}
