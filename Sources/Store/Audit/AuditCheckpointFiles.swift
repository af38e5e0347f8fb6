import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where checkpoints live, outside the database: a directory (mode 0700; default
/// `.state/audit-checkpoints`) holding
///
/// - `checkpoint.key`: the Ed25519 private key, base64, mode 0600, made on first use;
/// - `checkpoint.pub`: its public key (`ed25519:BASE64`), for `audit verify`;
/// - `checkpoints.jsonl`: the checkpoints, one JSON line each, only ever appended to.
///
/// Whoever can write this directory can sign (or drop checkpoints): keep it away from the
/// database's users and credentials, copy the public key into deploy configuration and pass it
/// to `audit verify --checkpoint-public-key`, and ship the lines elsewhere too if you can.
public struct AuditCheckpointFiles: Sendable {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    public var keyFile: URL { directory.appendingPathComponent("checkpoint.key") }
    public var publicKeyFile: URL { directory.appendingPathComponent("checkpoint.pub") }
    public var checkpointsFile: URL { directory.appendingPathComponent("checkpoints.jsonl") }

    /// The signing key; made on first use (the directory 0700, the key 0600, the public key next
    /// to it). Refuses a key file others may read, and a public key file that is not the key's.
    public func signingKey() throws -> AuditCheckpointKey {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let key: AuditCheckpointKey
        if let existing = try readKey() {
            key = existing
        } else {
            let made = AuditCheckpointKey()
            let fd = open(keyFile.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd < 0 && errno == EEXIST {
                // Another process made it meanwhile.
                guard let theirs = try readKey() else { throw StoreError.checkpointFiles("the checkpoint key \(keyFile.path) vanished") }
                key = theirs
            } else {
                guard fd >= 0 else { throw Self.failure("create", keyFile, errno) }
                defer { close(fd) }
                try Self.write(Array(made.fileText.utf8), to: fd, file: keyFile)
                key = made
            }
        }
        if let published = try publicKey() {
            guard published == key.publicKey else {
                throw StoreError.checkpointFiles("\(publicKeyFile.path) is not the public key of \(keyFile.path): remove whichever is wrong")
            }
        } else {
            try Data(key.publicKey.fileText.utf8).write(to: publicKeyFile, options: .atomic)
        }
        return key
    }

    /// The public key next to the key, nil when there is none.
    public func publicKey() throws -> AuditCheckpointPublicKey? {
        guard FileManager.default.fileExists(atPath: publicKeyFile.path) else { return nil }
        return try AuditCheckpointPublicKey(fileText: try String(contentsOf: publicKeyFile, encoding: .utf8))
    }

    private func readKey() throws -> AuditCheckpointKey? {
        var status = stat()
        guard stat(keyFile.path, &status) == 0 else {
            if errno == ENOENT { return nil }
            throw Self.failure("read", keyFile, errno)
        }
        guard status.st_mode & 0o077 == 0 else {
            throw StoreError.checkpointFiles(
                "the checkpoint key \(keyFile.path) may be read by others (mode \(String(status.st_mode & 0o777, radix: 8))): chmod 600 it")
        }
        return try AuditCheckpointKey(fileText: try String(contentsOf: keyFile, encoding: .utf8))
    }

    /// Appends one checkpoint line (one write, then fsync).
    public func append(_ checkpoint: AuditCheckpoint) throws {
        let fd = open(checkpointsFile.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Self.failure("open", checkpointsFile, errno) }
        defer { close(fd) }
        try Self.write(Array((checkpoint.line + "\n").utf8), to: fd, file: checkpointsFile)
    }

    /// The latest checkpoint `key` signed, read from the end of the file, and how many lines
    /// after it are not checkpoints signed by `key` (damaged, forged or another key's).
    public func latest(signedBy key: AuditCheckpointPublicKey) throws -> (checkpoint: AuditCheckpoint?, rejectedAfter: Int) {
        guard let handle = FileHandle(forReadingAtPath: checkpointsFile.path) else { return (nil, 0) }
        defer { try? handle.close() }
        var end = try handle.seekToEnd()
        var carry: [UInt8] = []
        var rejected = 0
        let chunk: UInt64 = 64 << 10
        while true {
            let start = end > chunk ? end - chunk : 0
            try handle.seek(toOffset: start)
            let bytes = Array(try handle.read(upToCount: Int(end - start)) ?? Data()) + carry
            var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            // The first piece may be the end of a line that starts in the chunk before.
            carry = start > 0 ? Array(lines.removeFirst()) : []
            for line in lines.reversed() where !line.isEmpty {
                if let checkpoint = AuditCheckpoint(line: String(decoding: line, as: UTF8.self)), key.isValid(checkpoint) {
                    return (checkpoint, rejected)
                }
                rejected += 1
            }
            guard start > 0 else { return (nil, rejected) }
            end = start
        }
    }

    /// What `audit verify` checks the chain against: the latest checkpoint signed by `pinned`
    /// (or, without it, by the public key next to the key); nil when there is no public key.
    public func evidence(pinnedKey pinned: AuditCheckpointPublicKey? = nil) throws -> AuditCheckpointEvidence? {
        guard let key = try pinned ?? publicKey() else { return nil }
        let (checkpoint, rejected) = try latest(signedBy: key)
        return AuditCheckpointEvidence(publicKey: key, latest: checkpoint, rejectedAfterLatest: rejected, source: checkpointsFile.path)
    }

    /// Signs the chain's current end if the store's chain still continues the latest
    /// checkpoint (see ``HubStore/signAuditCheckpoint(with:after:at:)``) and appends it.
    @discardableResult
    public func writeCheckpoint(of store: HubStore, at date: Date = Date()) async throws -> AuditCheckpointOutcome {
        let key = try signingKey()
        let previous = try latest(signedBy: key.publicKey).checkpoint
        let outcome = try await store.signAuditCheckpoint(with: key, after: previous, at: date)
        if case .signed(let checkpoint) = outcome { try append(checkpoint) }
        return outcome
    }

    private static func write(_ bytes: [UInt8], to fd: Int32, file: URL) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw failure("write", file, errno)
            }
            offset += written
        }
        guard fsync(fd) == 0 else { throw failure("sync", file, errno) }
    }

    private static func failure(_ what: String, _ file: URL, _ code: Int32) -> StoreError {
        StoreError.checkpointFiles("cannot \(what) \(file.path): \(String(cString: strerror(code)))")
    }
}

/// What `audit verify` checks the chain against: the latest checkpoint signed by the key.
public struct AuditCheckpointEvidence: Sendable, Hashable {
    public var publicKey: AuditCheckpointPublicKey
    /// Nil when the file holds no checkpoint signed by the key (or is missing).
    public var latest: AuditCheckpoint?
    /// Lines after the latest that are not checkpoints signed by the key.
    public var rejectedAfterLatest: Int
    /// The file, for messages.
    public var source: String

    public init(publicKey: AuditCheckpointPublicKey, latest: AuditCheckpoint?, rejectedAfterLatest: Int, source: String) {
        self.publicKey = publicKey
        self.latest = latest
        self.rejectedAfterLatest = rejectedAfterLatest
        self.source = source
    }
}
