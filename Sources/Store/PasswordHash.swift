import Crypto
import Foundation

/// PBKDF2-HMAC-SHA256 password hashes for the operators file, in the form
/// `pbkdf2-sha256$ITERATIONS$SALT$HASH` (salt and hash in base64).
///
/// It lives in Store because Store is the module that links swift-crypto; Ops uses it to check
/// operator logins.
public enum PasswordHash {
    /// OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256.
    public static let defaultIterations = 600_000
    static let scheme = "pbkdf2-sha256"

    /// A new hash with a random 16-byte salt.
    public static func make(_ password: String, iterations: Int = defaultIterations) -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let derived = derive(Array(password.utf8), salt: salt, iterations: iterations)
        return "\(scheme)$\(iterations)$\(Data(salt).base64EncodedString())$\(Data(derived).base64EncodedString())"
    }

    /// True when `password` matches `encoded`. Compares in constant time; false for anything
    /// malformed (and for absurd iteration counts, which would only slow the server down).
    public static func verify(_ password: String, against encoded: String) -> Bool {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == scheme, let iterations = Int(parts[1]), (1...10_000_000).contains(iterations),
              let salt = Data(base64Encoded: String(parts[2])), let expected = Data(base64Encoded: String(parts[3])), expected.count == 32
        else { return false }
        let derived = derive(Array(password.utf8), salt: [UInt8](salt), iterations: iterations)
        var difference: UInt8 = 0
        for (a, b) in zip(derived, expected) { difference |= a ^ b }
        return difference == 0
    }

    /// The iteration count of a hash of this scheme, nil when it is malformed.
    public static func iterations(of encoded: String) -> Int? {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == scheme, let iterations = Int(parts[1]), iterations > 0 else { return nil }
        return iterations
    }

    /// A hash nobody knows the password of, with random salt and digest: checking a password
    /// against it costs as much as against a real hash of `iterations` (for names that do not
    /// exist, so a login takes as long either way), and making it costs nothing.
    public static func decoy(iterations: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let digest = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "\(scheme)$\(iterations)$\(Data(salt).base64EncodedString())$\(Data(digest).base64EncodedString())"
    }

    /// True when `encoded` is a well-formed hash of this scheme (for checking config files).
    public static func isWellFormed(_ encoded: String) -> Bool {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == scheme && Int(parts[1]).map { $0 >= 100_000 } == true
            && Data(base64Encoded: String(parts[2])).map { $0.count >= 16 } == true
            && Data(base64Encoded: String(parts[3]))?.count == 32
    }

    /// PBKDF2 (RFC 8018) with HMAC-SHA256 and a 32-byte output: a single block.
    static func derive(_ password: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8] {
        // The keyed HMAC state is computed once and copied per iteration.
        let keyed = HMAC<SHA256>(key: SymmetricKey(data: password))
        var mac = keyed
        mac.update(data: salt + [0, 0, 0, 1])
        var block = Array(mac.finalize())
        var result = block
        if iterations > 1 {
            for _ in 2...iterations {
                var next = keyed
                next.update(data: block)
                block = Array(next.finalize())
                for index in 0..<32 { result[index] ^= block[index] }
            }
        }
        return result
    }
}
