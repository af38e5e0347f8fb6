import Foundation
import Synchronization

/// The persistent record of message ids an inbox consumer has finished with (handled or
/// dead-lettered), so a redelivered message is not handled twice (idempotent consumer).
///
/// A plain append-only file of ids, one per line, flushed (`fsync`) on every insert, in the
/// adapter's state directory. Bounded: it remembers the latest `capacity` ids, and compacts
/// the file (atomically) when it has grown to twice that. Redeliveries come soon after the
/// first delivery, so the latest ids are the ones that matter.
public final class HandledMessages: Sendable {
    public let file: URL
    public let capacity: Int
    private let state: Mutex<State>

    private struct State {
        var ids: Set<String>
        var order: [String]
        /// Lines in the file (including ones no longer remembered).
        var lines: Int
        var handle: FileHandle?
    }

    /// Opens (or creates) the record in `file`. A torn last line from a crash is ignored.
    public init(file: URL, capacity: Int = 100_000) throws(AdapterError) {
        try DurableFile.ensureDirectory(file.deletingLastPathComponent())
        self.file = file
        self.capacity = max(1, capacity)
        var order: [String] = []
        if FileManager.default.fileExists(atPath: file.path) {
            let text = String(decoding: try DurableFile.read(file), as: UTF8.self)
            var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
            if !text.isEmpty && !text.hasSuffix("\n") { lines.removeLast() }
            order = lines
        }
        let lines = order.count
        if order.count > self.capacity { order.removeFirst(order.count - self.capacity) }
        state = Mutex(State(ids: Set(order), order: order, lines: lines, handle: nil))
        // Start from a clean file: drops a torn line and anything beyond capacity.
        try state.withLock { state throws(AdapterError) in try Self.rewrite(&state, file: file) }
    }

    deinit {
        state.withLock { try? $0.handle?.close() }
    }

    /// Whether `id` was handled already.
    public func contains(_ id: String) -> Bool {
        state.withLock { $0.ids.contains(id) }
    }

    /// The number of ids remembered.
    public var count: Int { state.withLock { $0.ids.count } }

    /// Records `id` durably. Returns false when it was recorded already.
    @discardableResult
    public func insert(_ id: String) throws(AdapterError) -> Bool {
        let line = id.replacingOccurrences(of: "\n", with: " ")
        return try state.withLock { state throws(AdapterError) -> Bool in
            guard state.ids.insert(line).inserted else { return false }
            state.order.append(line)
            if state.order.count > capacity { state.ids.remove(state.order.removeFirst()) }
            if state.lines + 1 > capacity * 2 {
                try Self.rewrite(&state, file: file)
                return true
            }
            do {
                guard let handle = state.handle else { throw AdapterError(.io, "record of handled messages is closed") }
                try handle.write(contentsOf: Data((line + "\n").utf8))
                try handle.synchronize()
                state.lines += 1
            } catch let error as AdapterError {
                throw error
            } catch {
                throw AdapterError(.io, "cannot append to \(file.lastPathComponent): \(error.localizedDescription)")
            }
            return true
        }
    }

    /// Replaces the file with the remembered ids and reopens it for appending.
    private static func rewrite(_ state: inout State, file: URL) throws(AdapterError) {
        try? state.handle?.close()
        state.handle = nil
        let text = state.order.map { $0 + "\n" }.joined()
        try DurableFile.write(Array(text.utf8), to: file)
        state.lines = state.order.count
        do {
            let handle = try FileHandle(forWritingTo: file)
            try handle.seekToEnd()
            state.handle = handle
        } catch {
            throw AdapterError(.io, "cannot open \(file.lastPathComponent) for appending: \(error.localizedDescription)")
        }
    }
}
