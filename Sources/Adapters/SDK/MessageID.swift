import Foundation
/// Message ids an adapter derives when a native document carries none.
public enum MessageID {
    /// A name-based UUID (RFC 9562 version 8, SHA-256 of the name): the same native document
    /// converted twice yields the same ids, so re-reading it after a crash publishes nothing
    /// new (the router deduplicates by id).
    public static func derived(from name: [UInt8]) -> String {
        var bytes = Array(SHA256.hash(name).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80  // version 8
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 9562 variant
        let hex = bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }
}
