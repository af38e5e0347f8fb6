import CaseModel
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The durable outbox of an adapter: canonical events waiting to be published, in order.
///
/// An event is written here (temporary file, `fsync`, rename, directory `fsync`) before it is
/// published, so it survives a broker outage and a crash of the adapter. ``EventPublisher``
/// sends the entries in order and removes each one only after the broker confirmed it; what is
/// left after a restart is sent again. A resend is harmless because the router deduplicates by
/// message id.
///
/// One file per event: `<sequence, 20 digits>-<message id>.json` holding the envelope bytes
/// exactly as they are published.
public final class Spool: Sendable {
    /// One spooled event.
    public struct Entry: Sendable, Hashable, Comparable {
        /// Position in the spool; entries are published in ascending order.
        public let sequence: UInt64
        /// The event's id (AMQP message_id).
        public let messageID: String
        /// The file holding the envelope.
        public let file: URL

        public static func < (lhs: Entry, rhs: Entry) -> Bool { lhs.sequence < rhs.sequence }
    }

    /// The spool directory.
    public let directory: URL
    /// An exclusive `flock` on `.lock`: two processes appending to one spool would reuse
    /// sequence numbers.
    private let lock: Mutex<Int32?>
    private let state: Mutex<State>
    private let wakeups: Notifications<Void>

    private struct State {
        var entries: [Entry]
        var nextSequence: UInt64
    }

    /// Opens (and creates) a spool directory, dropping temporary files of interrupted writes.
    public init(directory: URL) throws(AdapterError) {
        try DurableFile.ensureDirectory(directory)
        let lock = open(directory.appendingPathComponent(".lock").path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw .io("cannot open the spool lock", errno: errno) }
        guard flock(lock, LOCK_EX | LOCK_NB) == 0 else {
            Glibc.close(lock)
            throw AdapterError(.stateLocked, "another adapter uses the spool \(directory.path)")
        }
        self.lock = Mutex(lock)
        DurableFile.removeTemporaries(in: directory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var entries: [Entry] = []
        for name in names where name.hasSuffix(".json") && !name.hasPrefix(".") {
            let stem = name.dropLast(5)
            guard let dash = stem.firstIndex(of: "-"), let sequence = UInt64(stem[..<dash]) else { continue }
            entries.append(Entry(sequence: sequence, messageID: String(stem[stem.index(after: dash)...]),
                                 file: directory.appendingPathComponent(name)))
        }
        entries.sort()
        self.directory = directory
        state = Mutex(State(entries: entries, nextSequence: (entries.last?.sequence ?? 0) + 1))
        wakeups = Notifications()
    }

    deinit {
        close()
    }

    /// Releases the lock so another adapter (or this one, restarted) may open the spool; the
    /// entries stay on disk. Appending afterwards fails with `adapter.state-locked`.
    public func close() {
        // Closing the descriptor releases the flock.
        lock.withLock { descriptor in
            if let open = descriptor { _ = Glibc.close(open) }
            descriptor = nil
        }
    }

    /// Writes events durably, in the given order, and returns their entries. When this returns
    /// the events survive a crash.
    @discardableResult
    public func append(contentsOf events: [CaseEvent]) throws(AdapterError) -> [Entry] {
        guard lock.withLock({ $0 != nil }) else { throw AdapterError(.stateLocked, "the spool \(directory.path) is closed") }
        let appended = try state.withLock { state throws(AdapterError) -> [Entry] in
            var appended: [Entry] = []
            for event in events {
                let sequence = state.nextSequence
                let name = String(format: "%020llu", sequence) + "-" + Self.fileSafe(event.id) + ".json"
                let entry = Entry(sequence: sequence, messageID: event.id, file: directory.appendingPathComponent(name))
                try DurableFile.write(event.serialized(), to: entry.file)
                state.nextSequence += 1
                state.entries.append(entry)
                appended.append(entry)
            }
            return appended
        }
        if !appended.isEmpty { wakeups.yield(()) }
        return appended
    }

    /// Writes one event durably; see ``append(contentsOf:)``.
    @discardableResult
    public func append(_ event: CaseEvent) throws(AdapterError) -> Entry {
        try append(contentsOf: [event])[0]
    }

    /// The oldest `limit` entries, in publishing order.
    public func first(_ limit: Int) -> [Entry] {
        state.withLock { Array($0.entries.prefix(limit)) }
    }

    /// Every entry waiting, in publishing order.
    public var entries: [Entry] { state.withLock { $0.entries } }

    /// The number of entries waiting.
    public var count: Int { state.withLock { $0.entries.count } }

    /// The envelope bytes of an entry.
    public func body(of entry: Entry) throws(AdapterError) -> [UInt8] {
        try DurableFile.read(entry.file)
    }

    /// Removes confirmed entries (durably).
    public func remove(_ removed: some Collection<Entry>) throws(AdapterError) {
        guard !removed.isEmpty else { return }
        let sequences = Set(removed.map(\.sequence))
        for entry in removed {
            // Unlink each, flush the directory once: fewer fsyncs per confirmed batch.
            if unlink(entry.file.path) != 0 && errno != ENOENT {
                throw .io("cannot remove spool entry \(entry.file.lastPathComponent)", errno: errno)
            }
        }
        try DurableFile.syncDirectory(directory)
        state.withLock { $0.entries.removeAll { sequences.contains($0.sequence) } }
    }

    /// Moves an entry that cannot be read back into `damaged/` for an operator; never deletes it.
    public func quarantine(_ entry: Entry) throws(AdapterError) {
        let damaged = directory.appendingPathComponent("damaged")
        try DurableFile.ensureDirectory(damaged)
        try DurableFile.move(entry.file, to: damaged.appendingPathComponent(entry.file.lastPathComponent))
        state.withLock { $0.entries.removeAll { $0.sequence == entry.sequence } }
    }

    /// Yields whenever entries were appended (coalesced), for the publisher's drain loop.
    public func appended() -> AsyncStream<Void> { wakeups.subscribe(bufferingNewest: 1) }

    /// Message ids are UUIDs once validated; anything else is reduced to safe characters.
    static func fileSafe(_ id: String) -> String {
        let safe = String(id.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) && $0.isASCII || $0 == "-" }.prefix(80))
        return safe.isEmpty ? "event" : safe
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
