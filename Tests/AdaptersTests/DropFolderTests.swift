@testable import Adapters
import CaseModel
import Foundation
import Logging
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The drop folder's door: only finished files, checked on the descriptor they are read from,
/// and every refusal set aside in failed/ with a report.
@Suite("Adapter drop folder: finished files only, no links, a size limit, refusals reported")
struct DropFolderTests {
    /// A drop folder of `agency` in a fresh directory whose intake only spools.
    struct Folder {
        let root: URL
        let folder: DropFolder
        let intake: DocumentIntake

        init(_ agency: String = "bka") throws {
            root = temporaryDirectory("drop")
            intake = try ConformanceTests.intake(agency, spool: root.appendingPathComponent("spool"))
            folder = try DropFolder(
                inbox: root.appendingPathComponent("inbox"), processed: root.appendingPathComponent("processed"),
                failed: root.appendingPathComponent("failed"), intake: intake, logger: Logger(label: "test"))
        }

        func inbox(_ name: String) -> URL { folder.inbox.appendingPathComponent(name) }
        func failed(_ name: String) -> URL { folder.failed.appendingPathComponent(name) }
        func processed(_ name: String) -> URL { folder.processed.appendingPathComponent(name) }

        /// The code in `failed/<name>.error.json`.
        func failureCode(_ name: String) throws -> String? {
            try JSONParser().parse(Array(Data(contentsOf: failed(name + ".error.json"))))["code"]?.stringValue
        }

        func remove() { try? FileManager.default.removeItem(at: root) }
    }

    static let valid = { try! nativeExample("bka", "valid-security-check-answer.json") }()

    /// True when a directory entry (also a dangling link) is at `url`.
    func exists(_ url: URL) -> Bool { FileObservation.entry(at: url.path) != nil }

    @Test("names writers use while writing (.x, .part, .partial, .tmp, ~) are never taken, nor set aside")
    func inProgressNames() throws {
        let drop = try Folder()
        defer { drop.remove() }
        let names = [".antwort.json", "antwort.json.part", "antwort.json.partial", "antwort.json.tmp", "antwort.json~", "ANTWORT.JSON.PART"]
        for name in names { try Data(Self.valid.bytes).write(to: drop.inbox(name)) }
        for _ in 0..<3 { try drop.folder.scan() }
        for name in names {
            #expect(exists(drop.inbox(name)), "\(name) stays where its writer put it")
            #expect(!exists(drop.failed(name)), "\(name) was set aside")
        }
        #expect(drop.intake.publisher.spool.count == 0)
    }

    @Test("a new file is taken by the second scan that sees it unchanged; one that changed in between waits again")
    func stability() throws {
        let drop = try Folder()
        defer { drop.remove() }
        let file = drop.inbox("antwort.json")
        let half = Array(Self.valid.bytes.prefix(Self.valid.bytes.count / 2))
        try Data(half).write(to: file)
        try drop.folder.scan()
        #expect(exists(file), "not taken when first seen")
        // The writer goes on writing in place between the scans.
        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(Self.valid.bytes.dropFirst(half.count)))
        try handle.close()
        try drop.folder.scan()
        #expect(exists(file), "not taken right after it changed")
        #expect(!exists(drop.failed("antwort.json")), "half a document was never read")
        try drop.folder.scan()
        #expect(exists(drop.processed("antwort.json")), "taken once unchanged across two scans")
        #expect(drop.intake.publisher.spool.count == 1)
    }

    @Test("a symbolic link is refused at reading and set aside; its target is neither read nor moved")
    func symbolicLink() throws {
        let drop = try Folder()
        defer { drop.remove() }
        let target = drop.root.appendingPathComponent("elsewhere.json")
        try Data(Self.valid.bytes).write(to: target)
        try FileManager.default.createSymbolicLink(at: drop.inbox("antwort.json"), withDestinationURL: target)
        try drop.folder.scan()
        try drop.folder.scan()
        #expect(try drop.failureCode("antwort.json") == "native.linked-file")
        #expect(FileObservation.entry(at: drop.failed("antwort.json").path)?.kind == .symbolicLink, "the link itself moved")
        #expect(exists(target) && drop.intake.publisher.spool.count == 0)
    }

    @Test("a hard link (a second name of a file elsewhere) is refused and set aside")
    func hardLink() throws {
        let drop = try Folder()
        defer { drop.remove() }
        let target = drop.root.appendingPathComponent("elsewhere.json")
        try Data(Self.valid.bytes).write(to: target)
        #expect(link(target.path, drop.inbox("antwort.json").path) == 0)
        try drop.folder.scan()
        try drop.folder.scan()
        #expect(try drop.failureCode("antwort.json") == "native.linked-file")
        #expect(drop.intake.publisher.spool.count == 0)
    }

    @Test("a file over the size limit is refused before it is read; a FIFO and a directory are no documents")
    func sizeAndKind() throws {
        let drop = try Folder()
        defer { drop.remove() }
        var large = Self.valid.bytes
        large += Array(repeating: UInt8(ascii: " "), count: NativeDocument.maximumBytes + 1 - large.count)
        try Data(large).write(to: drop.inbox("gross.json"))
        #expect(mkfifo(drop.inbox("leitung.json").path, 0o600) == 0)
        try FileManager.default.createDirectory(at: drop.inbox("ordner.json"), withIntermediateDirectories: false)
        try drop.folder.scan()
        try drop.folder.scan()
        #expect(try drop.failureCode("gross.json") == "native.too-large")
        #expect(try drop.failureCode("leitung.json") == "native.not-a-regular-file")
        #expect(try drop.failureCode("ordner.json") == "native.not-a-regular-file")
        #expect(try String(contentsOf: drop.failed("gross.json.error.json"), encoding: .utf8).contains("\(large.count) bytes"))
        #expect(drop.intake.publisher.spool.count == 0)
    }

    @Test("an XML document with a DOCTYPE in UTF-16 is set aside with native.document-type")
    func doctypeInUTF16() throws {
        let drop = try Folder("abh.berlin")
        defer { drop.remove() }
        let text = try nativeExample("abh", "valid-employment-consent-request.xml").text
            .replacingOccurrences(of: "encoding=\"UTF-8\"?>", with: "encoding=\"UTF-16\"?>\n<!DOCTYPE x [<!ENTITY a \"b\">]>")
        #expect(text.contains("<!DOCTYPE"))
        try Data([0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }).write(to: drop.inbox("antrag.xml"))
        try drop.folder.scan()
        try drop.folder.scan()
        #expect(try drop.failureCode("antrag.xml") == "native.document-type")
    }

    @Test("at reading: a file replaced by a symbolic link or a hard link after the scans saw it is refused, not followed")
    func replacedAfterScan() throws {
        let drop = try Folder()
        defer { drop.remove() }
        let file = drop.inbox("antwort.json")
        try Data(Self.valid.bytes).write(to: file)
        let seen = try #require(FileObservation.entry(at: file.path))
        let outside = drop.root.appendingPathComponent("outside.json")
        try Data(Self.valid.bytes).write(to: outside)

        // Swapped for a symbolic link between the scan and the open.
        let swap = drop.inbox(".swap")
        try FileManager.default.createSymbolicLink(at: swap, withDestinationURL: outside)
        #expect(rename(swap.path, file.path) == 0)
        guard case .refused(let error) = DroppedFile.read(file.path, expected: seen) else {
            Issue.record("a symbolic link swapped in was read")
            return
        }
        #expect(error.code == .linkedFile)

        // Swapped for a hard link of a file elsewhere.
        #expect(link(outside.path, swap.path) == 0)
        #expect(rename(swap.path, file.path) == 0)
        guard case .refused(let hard) = DroppedFile.read(file.path, expected: seen) else {
            Issue.record("a hard link swapped in was read")
            return
        }
        #expect(hard.code == .linkedFile)

        // Replaced by another regular file (one byte longer, so it differs even if the inode
        // number is reused within one clock tick): not what the scans saw, looked at again later.
        #expect(unlink(file.path) == 0)
        try Data(Self.valid.bytes + [0x0A]).write(to: file)
        guard case .changed = DroppedFile.read(file.path, expected: seen) else {
            Issue.record("a replaced file was read as if unchanged")
            return
        }
    }

    @Test("decisions: readiness by name and by two equal looks; the verdict on the opened file")
    func decisions() {
        let look = FileObservation(kind: .regular, inode: 7, size: 100, modified: 1000)
        #expect(DropFolder.readiness(name: "a.xml", previous: nil, current: look) == .settling)
        #expect(DropFolder.readiness(name: "a.xml", previous: look, current: look) == .ready)
        var grown = look
        grown.size = 200
        #expect(DropFolder.readiness(name: "a.xml", previous: look, current: grown) == .settling)
        var touched = look
        touched.modifiedNanoseconds = 1
        #expect(DropFolder.readiness(name: "a.xml", previous: look, current: touched) == .settling)
        var replaced = look
        replaced.inode = 8
        #expect(DropFolder.readiness(name: "a.xml", previous: look, current: replaced) == .settling)
        #expect(DropFolder.readiness(name: "a.xml.part", previous: look, current: look) == .inProgressName)

        #expect(DroppedFile.verdict(opened: look, expected: look, maximumBytes: 100) == nil)
        var linked = look
        linked.links = 2
        guard case .refused(let error)? = DroppedFile.verdict(opened: linked, expected: linked, maximumBytes: 100) else {
            Issue.record("a hard link passed")
            return
        }
        #expect(error.code == .linkedFile)
        guard case .refused(let large)? = DroppedFile.verdict(opened: look, expected: look, maximumBytes: 99) else {
            Issue.record("an oversize file passed")
            return
        }
        #expect(large.code == .tooLarge)
        guard case .changed? = DroppedFile.verdict(opened: grown, expected: look, maximumBytes: 1000) else {
            Issue.record("a changed file passed")
            return
        }
    }
}
