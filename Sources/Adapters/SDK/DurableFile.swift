import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Crash-safe file operations for the spool, the outbox and the record of handled messages.
///
/// A reader must never see half a file: every write goes to a hidden temporary file in the
/// target directory, is flushed to disk (`fsync`), renamed over the final name (atomic
/// within one file system) and the directory entry is flushed too, so the rename survives a
/// power cut.
public enum DurableFile {
    /// Prefix of temporary files; readers of a directory skip names starting with it.
    public static let temporaryPrefix = ".tmp-"

    /// Writes `bytes` to `file` atomically and durably.
    public static func write(_ bytes: [UInt8], to file: URL) throws(AdapterError) {
        let directory = file.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(temporaryPrefix + UUID().uuidString.lowercased())
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw .io("cannot create a file in \(directory.path)", errno: errno) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: Data(bytes))
            // fsync: the content must be on disk before the rename makes it visible.
            try handle.synchronize()
            try handle.close()
        } catch {
            try? handle.close()
            unlink(temporary.path)
            throw .io("cannot write \(file.lastPathComponent): \(error.localizedDescription)", errno: nil)
        }
        guard rename(temporary.path, file.path) == 0 else {
            let code = errno
            unlink(temporary.path)
            throw .io("cannot rename into \(file.lastPathComponent)", errno: code)
        }
        try syncDirectory(directory)
    }

    /// Moves `file` to `destination` (same file system) and flushes both directories.
    public static func move(_ file: URL, to destination: URL) throws(AdapterError) {
        guard rename(file.path, destination.path) == 0 else {
            throw .io("cannot move \(file.lastPathComponent) to \(destination.deletingLastPathComponent().path)", errno: errno)
        }
        try syncDirectory(destination.deletingLastPathComponent())
        if file.deletingLastPathComponent().path != destination.deletingLastPathComponent().path {
            try syncDirectory(file.deletingLastPathComponent())
        }
    }

    /// Removes `file` and flushes its directory; a file that is already gone is fine.
    public static func remove(_ file: URL) throws(AdapterError) {
        if unlink(file.path) != 0 && errno != ENOENT {
            throw .io("cannot remove \(file.lastPathComponent)", errno: errno)
        }
        try syncDirectory(file.deletingLastPathComponent())
    }

    /// Flushes a directory's entries (creations, renames, removals) to disk.
    public static func syncDirectory(_ directory: URL) throws(AdapterError) {
        let descriptor = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .io("cannot open directory \(directory.path)", errno: errno) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw .io("cannot flush directory \(directory.path)", errno: errno) }
    }

    /// Creates a directory and its parents if needed.
    public static func ensureDirectory(_ directory: URL) throws(AdapterError) {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .io("cannot create directory \(directory.path)", errno: nil)
        }
    }

    /// Removes leftover temporary files of an interrupted write.
    public static func removeTemporaries(in directory: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names where name.hasPrefix(temporaryPrefix) {
            unlink(directory.appendingPathComponent(name).path)
        }
    }

    /// The bytes of a file.
    public static func read(_ file: URL) throws(AdapterError) -> [UInt8] {
        do {
            return Array(try Data(contentsOf: file))
        } catch {
            throw .io("cannot read \(file.lastPathComponent)", errno: nil)
        }
    }
}
