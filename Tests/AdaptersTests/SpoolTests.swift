@testable import Adapters
import CaseModel
import Foundation
import Testing

@Suite("Durable spool")
struct SpoolTests {
    @Test("keeps events in order across a reopen and removes only what is confirmed")
    func orderAndReopen() throws {
        let directory = temporaryDirectory("spool")
        defer { try? FileManager.default.removeItem(at: directory) }
        let template = try canonicalExample("case.file-requested.v1")
        let events = try (0..<5).map { _ in try fresh(template) }
        do {
            let spool = try Spool(directory: directory)
            try spool.append(contentsOf: Array(events[0..<3]))
            try spool.append(events[3])
            try spool.remove(spool.first(2))
            try spool.append(events[4])
        }
        // A crash leaves a temporary file of an interrupted write behind: it is no entry.
        try Data("{".utf8).write(to: directory.appendingPathComponent(".tmp-interrupted"))
        let reopened = try Spool(directory: directory)
        #expect(reopened.entries.map(\.messageID) == events[2...].map(\.id))
        #expect(try CaseEvent.decode(reopened.body(of: reopened.entries[0])) == events[2])
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent(".tmp-interrupted").path))
        // New entries continue after the highest sequence number.
        let next = try reopened.append(try fresh(template))
        #expect(next.sequence > reopened.entries.dropLast().map(\.sequence).max()!)
    }

    @Test("a second spool on the same directory is refused while the first is open")
    func exclusive() throws {
        let directory = temporaryDirectory("spool")
        defer { try? FileManager.default.removeItem(at: directory) }
        let spool = try Spool(directory: directory)
        #expect(throws: AdapterError.self) { _ = try Spool(directory: directory) }
        _ = spool.count
    }
}
