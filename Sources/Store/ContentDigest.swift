import Crypto
import Foundation

/// SHA-256 fingerprints of message bodies, as the store and the audit log name them (so an
/// audit record can say which body was replayed without holding it).
public enum ContentDigest {
    /// Lowercase hex SHA-256 of `bytes`.
    public static func sha256(_ bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// Lowercase hex of `bytes`. (`String(format: "%02x")` per byte went through Foundation's
    /// formatter: with an audit record per routed message it was an eighth of the router's CPU.)
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in bytes {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
