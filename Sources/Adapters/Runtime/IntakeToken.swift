import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The secret an agency system presents to its adapter's HTTP intake
/// (`Authorization: Bearer <token>`).
///
/// It comes from the file the configuration names (`http.tokenFile`), or, without one, from
/// `<state>/http-token`, generated on first start (32 random bytes from the system's CSPRNG,
/// as 64 hex digits, mode 0600) and read again on every later start. Presented tokens are
/// compared in constant time (their SHA-256 digests, so not even the length leaks). The
/// value is never logged: its description is redacted, and only the file's path is shown.
public struct IntakeToken: Sendable, CustomStringConvertible {
    /// The fewest characters a configured token must have (a generated one has 64).
    public static let minimumLength = 32
    /// The name of the generated token file in the state directory.
    public static let generatedFileName = "http-token"

    private let digest: [UInt8]
    /// Where the token is kept (the agency system reads it from there).
    public let file: URL

    init(value: String, file: URL) {
        digest = SHA256.hash(Array(value.utf8))
        self.file = file
    }

    /// True when `presented` is the token; takes the same time for every wrong token.
    public func matches(_ presented: String) -> Bool {
        let other = SHA256.hash(Array(presented.utf8))
        var difference: UInt8 = 0
        for index in 0..<digest.count { difference |= digest[index] ^ other[index] }
        return difference == 0
    }

    public var description: String { "IntakeToken(file: \(file.path), value redacted)" }

    /// The token from `configured`, or from the state directory's generated file (created
    /// when missing).
    public static func load(configured: URL?, state: URL) throws(AdapterError) -> IntakeToken {
        if let configured { return try read(configured) }
        let file = state.appendingPathComponent(generatedFileName)
        if FileManager.default.fileExists(atPath: file.path) { return try read(file) }
        try generate(file)
        return try read(file)
    }

    /// Reads a token file: the first line, without surrounding white space, of at least
    /// ``minimumLength`` characters.
    static func read(_ file: URL) throws(AdapterError) -> IntakeToken {
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: file))
        } catch {
            throw AdapterError(.configuration, "cannot read the HTTP intake token file \(file.path)")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let value = (text.split(whereSeparator: \.isNewline).first.map(String.init) ?? "").trimmingCharacters(in: .whitespaces)
        guard value.count >= minimumLength else {
            throw AdapterError(.configuration, "the HTTP intake token in \(file.path) is shorter than \(minimumLength) characters")
        }
        return IntakeToken(value: value, file: file)
    }

    /// Writes a new random token to `file` with mode 0600, durably, without replacing a
    /// token another start wrote meanwhile (link, not rename).
    static func generate(_ file: URL) throws(AdapterError) {
        let directory = file.deletingLastPathComponent()
        try DurableFile.ensureDirectory(directory)
        var generator = SystemRandomNumberGenerator()
        let value = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
        let temporary = directory.appendingPathComponent(DurableFile.temporaryPrefix + UUID().uuidString.lowercased())
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .io("cannot create the HTTP intake token in \(directory.path)", errno: errno) }
        defer { unlink(temporary.path) }
        let line = Array((value + "\n").utf8)
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress!, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == line.count, synced else { throw .io("cannot write the HTTP intake token in \(directory.path)", errno: errno) }
        guard link(temporary.path, file.path) == 0 || errno == EEXIST else {
            throw .io("cannot create the HTTP intake token \(file.path)", errno: errno)
        }
        try DurableFile.syncDirectory(directory)
    }
}
