@testable import Adapters
import CaseModel
import Foundation
import Testing

/// XML documents are screened in the encoding they are in: a DOCTYPE cannot hide in UTF-16,
/// UTF-32 or a declared 8-bit encoding, and the parser reads what the screening read.
@Suite("Native syntaxes: XML encodings and document types")
struct XMLScreeningTests {
    /// How a test document is written: the encoding, whether it starts with a byte order
    /// mark, and what its XML declaration says.
    struct Form: CustomTestStringConvertible, Sendable {
        var encoding: XMLEncoding
        var byteOrderMark: Bool
        var declared: String?
        var testDescription: String { "\(encoding.rawValue)\(byteOrderMark ? " with BOM" : "")\(declared.map { ", declared \($0)" } ?? "")" }

        func bytes(_ body: String) -> [UInt8] {
            let text = (declared.map { "<?xml version=\"1.0\" encoding=\"\($0)\"?>\n" } ?? "") + body
            let mark: [UInt8]
            let encoded: [UInt8]
            switch encoding {
            case .utf8:
                mark = [0xEF, 0xBB, 0xBF]
                encoded = Array(text.utf8)
            case .utf16LE:
                mark = [0xFF, 0xFE]
                encoded = text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
            case .utf16BE:
                mark = [0xFE, 0xFF]
                encoded = text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
            case .utf32LE:
                mark = [0xFF, 0xFE, 0x00, 0x00]
                encoded = text.unicodeScalars.flatMap { s in (0..<4).map { UInt8(truncatingIfNeeded: s.value >> ($0 * 8)) } }
            case .utf32BE:
                mark = [0x00, 0x00, 0xFE, 0xFF]
                encoded = text.unicodeScalars.flatMap { s in (0..<4).reversed().map { UInt8(truncatingIfNeeded: s.value >> ($0 * 8)) } }
            case .usASCII, .latin1, .latin9, .windows1252:
                // The bodies hold ASCII and ü, which is 0xFC in all three 8-bit encodings.
                mark = []
                encoded = text.unicodeScalars.map { UInt8($0.value) }
            }
            return (byteOrderMark ? mark : []) + encoded
        }
    }

    static let forms: [Form] = [
        Form(encoding: .utf8, byteOrderMark: false, declared: nil),
        Form(encoding: .utf8, byteOrderMark: false, declared: "UTF-8"),
        Form(encoding: .utf8, byteOrderMark: true, declared: nil),
        Form(encoding: .utf16LE, byteOrderMark: true, declared: nil),
        Form(encoding: .utf16LE, byteOrderMark: true, declared: "UTF-16"),
        Form(encoding: .utf16BE, byteOrderMark: true, declared: "UTF-16"),
        Form(encoding: .utf16LE, byteOrderMark: false, declared: "UTF-16LE"),
        Form(encoding: .utf16BE, byteOrderMark: false, declared: "UTF-16BE"),
        Form(encoding: .utf32LE, byteOrderMark: true, declared: nil),
        Form(encoding: .utf32BE, byteOrderMark: true, declared: "UTF-32"),
        Form(encoding: .utf32LE, byteOrderMark: false, declared: "UTF-32"),
        Form(encoding: .utf32BE, byteOrderMark: false, declared: "UTF-32"),
        Form(encoding: .latin1, byteOrderMark: false, declared: "ISO-8859-1"),
        Form(encoding: .latin9, byteOrderMark: false, declared: "iso-8859-15"),
        Form(encoding: .windows1252, byteOrderMark: false, declared: "windows-1252"),
    ]

    static let document = "<m xmlns=\"urn:x\"><name>Müller</name><a>1 &amp; 2</a></m>"
    static let withInternalSubset = "<!DOCTYPE m [<!ENTITY x \"xxxxxxxx\">]>\n<m xmlns=\"urn:x\"><name>&x;</name></m>"
    static let withExternalSubset = "<!DOCTYPE m SYSTEM \"http://127.0.0.1:9/m.dtd\">\n<m xmlns=\"urn:x\"><name>Müller</name></m>"

    @Test("a document in any supported encoding parses to the same tree as in UTF-8", arguments: forms)
    func sameTree(_ form: Form) throws {
        let expected = try XMLNode.parse(Array(Self.document.utf8))
        #expect(expected.text(of: "name") == "Müller")
        #expect(try XMLNode.parse(form.bytes(Self.document)) == expected)
    }

    @Test("a DOCTYPE is refused with native.document-type in every encoding", arguments: forms)
    func documentType(_ form: Form) {
        for body in [Self.withInternalSubset, Self.withExternalSubset] {
            #expect {
                _ = try XMLNode.parse(form.bytes(body))
            } throws: { error in
                (error as? ConversionError)?.code == .documentType && "\(error)".contains(form.encoding.rawValue)
            }
        }
    }

    @Test("encodings the adapter does not read, and declarations that contradict the bytes, are refused with native.encoding")
    func encodings() {
        let refused: [(String, [UInt8])] = [
            ("UTF-7 declared", Array("<?xml version=\"1.0\" encoding=\"UTF-7\"?>\n+ADw-!DOCTYPE m+AD4-<m/>".utf8)),
            ("EBCDIC", [0x4C, 0x6F, 0xA7, 0x94, 0x93, 0x40]),
            ("UTF-16 declared on 8-bit bytes", Array("<?xml version=\"1.0\" encoding=\"UTF-16\"?><m/>".utf8)),
            ("ISO-8859-1 declared after a UTF-16 mark", Form(encoding: .utf16LE, byteOrderMark: true, declared: "ISO-8859-1").bytes("<m/>")),
            ("invalid UTF-8", Array("<m>".utf8) + [0xC3, 0x28] + Array("</m>".utf8)),
            ("a lone UTF-16 surrogate", [0xFF, 0xFE] + Array("<m>".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }) + [0x00, 0xD8]
                + Array("</m>".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })),
            ("an odd number of UTF-16 bytes", [0xFF, 0xFE, 0x3C, 0x00, 0x6D]),
            ("a byte windows-1252 leaves undefined", Array("<?xml version=\"1.0\" encoding=\"windows-1252\"?><m>".utf8) + [0x81] + Array("</m>".utf8)),
            ("a byte US-ASCII lacks", Array("<?xml version=\"1.0\" encoding=\"US-ASCII\"?><m>".utf8) + [0xFC] + Array("</m>".utf8)),
        ]
        for (what, bytes) in refused {
            #expect(throws: ConversionError.self, "\(what)") { _ = try XMLNode.parse(bytes) }
            #expect((XMLScreening.screen(bytes).error?.code) == .encoding, "\(what): \(XMLScreening.screen(bytes))")
        }
    }

    @Test("U+0000 is refused: 16-bit text without a mark read as 8-bit would show it")
    func nullCharacter() {
        let bytes = Array("<m>".utf8) + [0x00] + Array("</m>".utf8)
        #expect(XMLScreening.screen(bytes) == .nullCharacter(.utf8))
        #expect(XMLScreening.screen(bytes).error?.code == .syntax)
    }

    @Test("the parser gets UTF-8 with the declaration rewritten; the refusal never repeats a bad encoding name")
    func rewriting() throws {
        let form = Form(encoding: .latin1, byteOrderMark: false, declared: "ISO-8859-1")
        guard case .accepted(let utf8, let encoding) = XMLScreening.screen(form.bytes("<m>ü</m>")) else {
            Issue.record("refused")
            return
        }
        #expect(encoding == .latin1)
        #expect(String(decoding: utf8, as: UTF8.self) == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<m>ü</m>")
        let euro = Form(encoding: .latin9, byteOrderMark: false, declared: "ISO-8859-15").bytes("<m>#</m>").map { $0 == UInt8(ascii: "#") ? 0xA4 : $0 }
        #expect(try XMLNode.parse(euro).text == "€")
        let cp1252 = Form(encoding: .windows1252, byteOrderMark: false, declared: "windows-1252").bytes("<m>#</m>").map { $0 == UInt8(ascii: "#") ? 0x80 : $0 }
        #expect(try XMLNode.parse(cp1252).text == "€")
        let hostile = Array("<?xml version=\"1.0\" encoding=\"Müller, Hans\"?><m/>".utf8)
        #expect(XMLScreening.screen(hostile) == .unsupportedEncoding(name: "(no encoding name)"))
    }
}
