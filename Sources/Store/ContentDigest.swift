import Crypto
import Foundation

/// SHA-256 fingerprints of message bodies, as the store and the audit log name them (so an
/// audit record can say which body was replayed without holding it).
public enum ContentDigest {
    /// Lowercase hex SHA-256 of `bytes`.
    public static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}
