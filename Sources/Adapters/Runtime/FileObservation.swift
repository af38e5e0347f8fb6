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

/// What one look at a directory entry (`lstat`) or an open file (`fstat`) shows: enough to
/// tell whether it is the same file, unchanged, as at an earlier look.
struct FileObservation: Sendable, Hashable {
    enum Kind: String, Sendable, Hashable {
        case regular = "a regular file"
        case symbolicLink = "a symbolic link"
        case directory = "a directory"
        case fifo = "a FIFO"
        case socket = "a socket"
        case device = "a device"
        case unknown = "of unknown type"
    }

    var kind: Kind
    var device: UInt64
    var inode: UInt64
    /// Names the file has (`st_nlink`): more than one is a hard link.
    var links: UInt64
    var size: Int64
    /// Last content change (`st_mtim`), seconds and nanoseconds.
    var modified: Int64
    var modifiedNanoseconds: Int64
    /// Last status change (`st_ctim`): a rename, a new link, a chmod.
    var changed: Int64
    var changedNanoseconds: Int64

    init(_ status: stat) {
        switch status.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFLNK: kind = .symbolicLink
        case S_IFDIR: kind = .directory
        case S_IFIFO: kind = .fifo
        case S_IFSOCK: kind = .socket
        case S_IFCHR, S_IFBLK: kind = .device
        default: kind = .unknown
        }
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
        links = UInt64(status.st_nlink)
        size = Int64(status.st_size)
        #if canImport(Darwin)
        modified = Int64(status.st_mtimespec.tv_sec)
        modifiedNanoseconds = Int64(status.st_mtimespec.tv_nsec)
        changed = Int64(status.st_ctimespec.tv_sec)
        changedNanoseconds = Int64(status.st_ctimespec.tv_nsec)
        #else
        modified = Int64(status.st_mtim.tv_sec)
        modifiedNanoseconds = Int64(status.st_mtim.tv_nsec)
        changed = Int64(status.st_ctim.tv_sec)
        changedNanoseconds = Int64(status.st_ctim.tv_nsec)
        #endif
    }

    init(kind: Kind, device: UInt64 = 1, inode: UInt64, links: UInt64 = 1, size: Int64, modified: Int64, changed: Int64? = nil) {
        self.kind = kind
        self.device = device
        self.inode = inode
        self.links = links
        self.size = size
        self.modified = modified
        modifiedNanoseconds = 0
        self.changed = changed ?? modified
        changedNanoseconds = 0
    }

    /// True when `other` shows the same file (device and inode) with the same size,
    /// modification and status-change times: nobody wrote, truncated, replaced or relinked it
    /// in between.
    func isUnchanged(since other: FileObservation) -> Bool {
        kind == other.kind && device == other.device && inode == other.inode && size == other.size
            && modified == other.modified && modifiedNanoseconds == other.modifiedNanoseconds
            && changed == other.changed && changedNanoseconds == other.changedNanoseconds
    }

    /// Looks at a directory entry without following a symbolic link; nil when it is gone.
    static func entry(at path: String) -> FileObservation? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        return FileObservation(status)
    }
}
