@testable import Adapters
import CaseModel
import Foundation
import Testing

@Suite("Native syntaxes: XML, CSV")
struct NativeSyntaxTests {
    @Test("XML: parses namespaces, attributes, text and children; writes what it reads")
    func xmlRoundTrip() throws {
        let text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <m xmlns="urn:x" version="1"><a>1 &amp; 2</a><b><c>x</c><c><![CDATA[<y>]]></c></b><e/></m>
            """
        let root = try XMLNode.parse(Array(text.utf8))
        #expect(root.name == "m" && root.namespace == "urn:x" && root.attributes == ["version": "1"])
        #expect(root.text(of: "a") == "1 & 2")
        #expect(root.child("b")?.children("c").map(\.text) == ["x", "<y>"])
        #expect(root.child("e")?.text == "")
        #expect(try XMLNode.parse(root.document()) == root)
    }

    @Test("XML: refuses document types, mixed content, deep nesting and broken documents")
    func xmlRefusals() {
        #expect {
            _ = try XMLNode.parse(Array("<!DOCTYPE m [<!ENTITY x \"xxxxxxxx\">]><m>&x;</m>".utf8))
        } throws: { error in
            (error as? ConversionError)?.code == .documentType && "\(error)".contains("document type")
        }
        let cases: [(String, String)] = [
            ("<m>text<a/></m>", "text beside"),
            ("<m><a>x</a>tail</m>", "text beside"),
            (String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100), "nested"),
            ("<m><a></m>", "well-formed"),
        ]
        for (text, expected) in cases {
            #expect {
                _ = try XMLNode.parse(Array(text.utf8))
            } throws: { error in
                (error as? ConversionError)?.code == .syntax && "\(error)".contains(expected)
            }
        }
    }

    @Test("CSV: separators, quotes, line breaks inside quotes, BOM and CRLF")
    func csv() throws {
        let text = "\u{FEFF}a;b;c\r\n1;\"x;y\";\"say \"\"hi\"\"\"\r\n2;\"line\nbreak\";\n"
        let table = try CSVTable.parse(Array(text.utf8))
        #expect(table.columns == ["a", "b", "c"])
        #expect(table.rows == [["1", "x;y", "say \"hi\""], ["2", "line\nbreak", ""]])
        #expect(try CSVTable.parse(table.serialized()) == table)
        #expect(table.records[1] == ["a": "2", "b": "line\nbreak"])
        #expect(throws: ConversionError.self) { _ = try CSVTable.parse(Array("a;b\n1;2;3\n".utf8)) }
        #expect(throws: ConversionError.self) { _ = try CSVTable.parse(Array("a;b\n1;\"open\n".utf8)) }
    }
}
