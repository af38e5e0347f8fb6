import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
// On Linux the clang importer may attribute `struct stat` (and `timespec`) to Dispatch's C
// module, which includes <sys/stat.h> too; member import visibility then wants it imported.
#if canImport(CDispatch)
import CDispatch
#endif

/// Reading a file an agency dropped into the inbox, which is hostile input like any other.
///
/// The checks are made on the opened descriptor, so what is checked is what is read: the
/// file is opened with `O_NOFOLLOW` (a symbolic link fails to open), then `fstat` must show a
/// regular file with exactly one name (no hard link to a file elsewhere), the same file and
/// state the scans saw, and at most ``NativeDocument/maximumBytes`` bytes; only then are the
/// bytes read, from that descriptor. `O_NONBLOCK` keeps a FIFO from blocking the open.
enum DroppedFile {
    /// What reading a dropped file came to.
    enum Reading: Sendable, Hashable {
        /// The document's bytes.
        case document([UInt8])
        /// The file is refused (set aside in `failed/` with this error); it was not read.
        case refused(ConversionError)
        /// It changed since the scans saw it (written, replaced): look again next scan.
        case changed
        /// It is gone (taken away by its writer).
        case vanished
    }

    /// The decision about an entry from the look before opening it (`lstat`): what can be
    /// refused without opening it (a link, a FIFO, a device, ...). nil: open it.
    static func refusal(beforeOpening entry: FileObservation, maximumBytes: Int) -> ConversionError? {
        switch entry.kind {
        case .regular: return entry.size > maximumBytes ? tooLarge(entry.size, maximumBytes) : nil
        case .symbolicLink: return ConversionError(.linkedFile, "the file is a symbolic link; drop the document itself")
        default: return ConversionError(.notARegularFile, "the entry is \(entry.kind.rawValue), not a regular file")
        }
    }

    /// The decision about the opened file (`fstat` of the descriptor), against what the
    /// scans saw (`expected`): nil means read it.
    static func verdict(opened: FileObservation, expected: FileObservation, maximumBytes: Int) -> Reading? {
        guard opened.kind == .regular else {
            return .refused(ConversionError(.notARegularFile, "the entry is \(opened.kind.rawValue), not a regular file"))
        }
        guard opened.links == 1 else {
            return .refused(ConversionError(.linkedFile, "the file has \(opened.links) names (a hard link); drop a file of its own"))
        }
        guard opened.isUnchanged(since: expected) else { return .changed }
        guard opened.size <= maximumBytes else { return .refused(tooLarge(opened.size, maximumBytes)) }
        return nil
    }

    /// Opens, checks and reads `path`, which the scans saw as `expected`.
    static func read(_ path: String, expected: FileObservation, maximumBytes: Int = NativeDocument.maximumBytes) -> Reading {
        if let refusal = refusal(beforeOpening: expected, maximumBytes: maximumBytes) { return .refused(refusal) }
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard descriptor >= 0 else {
            let code = errno
            switch code {
            case ENOENT: return .vanished
            case ELOOP: return .refused(ConversionError(.linkedFile, "the file is a symbolic link; drop the document itself"))
            default: return .refused(ConversionError(.unreadable, "the file cannot be opened (\(String(cString: strerror(code))))"))
            }
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            return .refused(ConversionError(.unreadable, "the file cannot be examined (\(String(cString: strerror(errno))))"))
        }
        let opened = FileObservation(status)
        if let verdict = verdict(opened: opened, expected: expected, maximumBytes: maximumBytes) { return verdict }
        // Read what fstat promised and one byte more: a file that grows while read has changed.
        let capacity = Int(opened.size) + 1
        var bytes = [UInt8](repeating: 0, count: capacity)
        var total = 0
        while total < capacity {
            let count = bytes.withUnsafeMutableBytes { buffer in
                readDescriptor(descriptor, buffer.baseAddress! + total, capacity - total)
            }
            if count < 0 {
                if errno == EINTR { continue }
                return .refused(ConversionError(.unreadable, "the file cannot be read (\(String(cString: strerror(errno))))"))
            }
            if count == 0 { break }
            total += count
        }
        guard total == Int(opened.size) else { return .changed }
        bytes.removeLast(capacity - total)
        return .document(bytes)
    }

    private static func tooLarge(_ size: Int64, _ maximum: Int) -> ConversionError {
        ConversionError(.tooLarge, "the file has \(size) bytes; documents may have at most \(maximum)")
    }
}

/// `read(2)`, named apart from ``DroppedFile/read(_:expected:maximumBytes:)``.
private func readDescriptor(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
