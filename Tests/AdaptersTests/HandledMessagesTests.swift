@testable import Adapters
import Foundation
import Testing

@Suite("Record of handled messages")
struct HandledMessagesTests {
    @Test("remembers ids across a reopen and ignores a torn last line")
    func persistence() throws {
        let directory = temporaryDirectory("handled")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("handled.log")
        do {
            let handled = try HandledMessages(file: file)
            #expect(try handled.insert("a"))
            #expect(try handled.insert("b"))
            #expect(try !handled.insert("a"))
        }
        // A crash in the middle of an append.
        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("c-torn".utf8))
        try handle.close()
        let reopened = try HandledMessages(file: file)
        #expect(reopened.contains("a") && reopened.contains("b"))
        #expect(!reopened.contains("c-torn"))
    }

    @Test("is bounded: keeps the latest ids and compacts the file")
    func bounded() throws {
        let directory = temporaryDirectory("handled")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("handled.log")
        let handled = try HandledMessages(file: file, capacity: 10)
        for index in 0..<35 { try handled.insert("id-\(index)") }
        #expect(handled.count == 10)
        #expect(!handled.contains("id-24") && handled.contains("id-25") && handled.contains("id-34"))
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.count <= 20)
        let reopened = try HandledMessages(file: file, capacity: 10)
        #expect(reopened.contains("id-34") && !reopened.contains("id-0"))
    }
}
