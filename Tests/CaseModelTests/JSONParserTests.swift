import CaseModel
import Foundation
import Testing

@Suite("JSON parser")
struct JSONParserTests {
    func failure(_ text: String, limits: JSONParser.Limits = .init()) -> JSONParseError? {
        do {
            _ = try JSONParser(limits: limits).parse(text)
            return nil
        } catch {
            return error
        }
    }

    func failure(bytes: [UInt8], limits: JSONParser.Limits = .init()) -> JSONParseError? {
        do {
            _ = try JSONParser(limits: limits).parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test("parses every kind of value")
    func values() throws {
        let value = try JSONValue(parsing: #"{"a": [1, -2.5e3, "x\u00e9\n", true, false, null], "b": {}}"#)
        #expect(value["a"]?[0] == 1)
        #expect(value["a"]?[1]?.numberValue?.doubleValue == -2500)
        #expect(value["a"]?[2]?.stringValue == "xé\n")
        #expect(value["a"]?[3] == true)
        #expect(value["a"]?[5]?.isNull == true)
        #expect(value["b"]?.objectValue?.isEmpty == true)
    }

    @Test("error codes and positions", arguments: [
        ("[1,2", "json.unexpected-end", 4, 1, 5),
        ("{\"a\":1,\"a\":2}", "json.duplicate-key", 7, 1, 8),
        ("[1]\n x", "json.trailing-data", 5, 2, 2),
        ("[\"a\u{01}\"]", "json.control-character", 3, 1, 4),
        ("[\"\\uD800\"]", "json.lone-surrogate", 2, 1, 3),
        ("[\"\\uDC00x\"]", "json.lone-surrogate", 2, 1, 3),
        ("[\"\\uD800\\u0041\"]", "json.lone-surrogate", 2, 1, 3),
        ("[\"\\x\"]", "json.invalid-escape", 2, 1, 3),
        ("[\"\\u12G4\"]", "json.invalid-escape", 2, 1, 3),
        ("[01]", "json.invalid-number", 2, 1, 3),
        ("[1.]", "json.invalid-number", 3, 1, 4),
        ("[-]", "json.invalid-number", 2, 1, 3),
        ("[1e+]", "json.invalid-number", 4, 1, 5),
        ("{\"a\" 1}", "json.unexpected-character", 5, 1, 6),
        ("[tru]", "json.unexpected-character", 4, 1, 5),
        ("  ", "json.empty", 2, 1, 3),
        ("[1e1234567890123456789]", "json.number-out-of-range", 1, 1, 2),
        ("{\"ä\": [1,\n\n  }", "json.unexpected-character", 14, 3, 3),
    ] as [(String, String, Int, Int, Int)])
    func errors(_ input: String, _ code: String, _ offset: Int, _ line: Int, _ column: Int) throws {
        let error = try #require(failure(input))
        #expect(error.code.rawValue == code)
        #expect(error.offset == offset)
        #expect(error.line == line)
        #expect(error.column == column)
    }

    @Test("special bytes are found at every offset of the word-at-a-time string scan")
    func scanOffsets() throws {
        for length in 0..<20 {
            let plain = String(repeating: "a", count: length)
            #expect(try JSONValue(parsing: "[\"\(plain)\"]")[0] == .string(plain))
            for position in 0..<length {
                var bytes = Array("[\"\(plain)\"]".utf8)
                bytes[2 + position] = 0x1F
                #expect(failure(bytes: bytes)?.code == .controlCharacter)
                #expect(failure(bytes: bytes)?.offset == 2 + position)
                bytes[2 + position] = 0xFF
                #expect(failure(bytes: bytes)?.offset == 2 + position)
                var escaped = Array("[\"\(plain)\"]".utf8)
                escaped.insert(contentsOf: Array("\\n".utf8), at: 2 + position)
                let value = try JSONParser().parse(escaped)
                #expect(value[0]?.stringValue?.utf8.count == length + 1)
                var accented = Array("[\"\(plain)\"]".utf8)
                accented.insert(contentsOf: Array("é".utf8), at: 2 + position)
                #expect(try JSONParser().parse(accented)[0]?.stringValue?.unicodeScalars.count == length + 1)
            }
        }
    }

    @Test("invalid UTF-8 is rejected where it occurs")
    func invalidUTF8() throws {
        let cases: [([UInt8], Int)] = [
            ([0x22, 0xFF, 0x22], 1),                    // never valid
            ([0x22, 0xC0, 0xAF, 0x22], 1),              // overlong '/'
            ([0x22, 0xED, 0xA0, 0x80, 0x22], 1),        // encoded surrogate
            ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1),  // above U+10FFFF
            ([0x22, 0x61, 0xE2, 0x82, 0x22], 2),        // truncated sequence
            ([0x5B, 0x80, 0x5D], 1),                    // outside a string
        ]
        for (bytes, offset) in cases {
            let error = try #require(failure(bytes: bytes))
            #expect(error.code == .invalidUTF8)
            #expect(error.offset == offset)
        }
    }

    @Test("byte order mark is rejected")
    func byteOrderMark() throws {
        let error = try #require(failure(bytes: [0xEF, 0xBB, 0xBF] + Array("{}".utf8)))
        #expect(error.code == .byteOrderMark)
    }

    @Test("limits: size, depth, number and string length")
    func limits() throws {
        let big = try #require(failure("[" + String(repeating: "1,", count: 100) + "1]", limits: .init(maxBytes: 64)))
        #expect(big.code == .tooLarge)
        #expect(big.offset == 64)

        let deep = try #require(failure(String(repeating: "[", count: 65) + String(repeating: "]", count: 65)))
        #expect(deep.code == .tooDeep)
        #expect(deep.offset == 64)
        #expect(try JSONParser().parse(String(repeating: "[", count: 64) + String(repeating: "]", count: 64)) != nil)

        let digits = "[" + String(repeating: "7", count: 10_000) + "]"
        let long = try #require(failure(digits))
        #expect(long.code == .numberTooLong)
        #expect(long.offset == 1)
        #expect(try JSONParser().parse("[" + String(repeating: "7", count: 100) + "]")[0]?.numberValue != nil)

        let string = try #require(failure("[\"" + String(repeating: "a", count: 17) + "\"]", limits: .init(maxStringBytes: 16)))
        #expect(string.code == .stringTooLong)
        #expect(string.offset == 1)
        #expect(try JSONParser(limits: .init(maxStringBytes: 16)).parse("[\"" + String(repeating: "a", count: 16) + "\"]") != nil)
        let escaped = try #require(failure("[\"\\n" + String(repeating: "a", count: 20) + "\"]", limits: .init(maxStringBytes: 16)))
        #expect(escaped.code == .stringTooLong)
        let key = try #require(failure("{\"" + String(repeating: "k", count: 17) + "\":1}", limits: .init(maxStringBytes: 16)))
        #expect(key.code == .stringTooLong)
    }

    @Test("1,000,000 nested brackets inside a Task do not crash")
    func deepNestingInTask() async throws {
        let bytes = [UInt8](repeating: UInt8(ascii: "["), count: 1_000_000)
        let code = await Task { () -> String? in
            do {
                _ = try JSONParser().parse(bytes)
                return nil
            } catch {
                return (error as? JSONParseError)?.code.rawValue
            }
        }.value
        #expect(code == "json.too-deep")

        let objects = Array(String(repeating: "{\"a\":", count: 200_000).utf8)
        let objectCode = await Task { () -> JSONParseError.Code? in
            do {
                _ = try JSONParser(limits: .init(maxBytes: 4 << 20)).parse(objects)
                return nil
            } catch {
                return (error as? JSONParseError)?.code
            }
        }.value
        #expect(objectCode == .tooDeep)
    }

    @Test("descriptions never contain the input")
    func redaction() throws {
        let secret = "Geheimnis-Müller"
        let inputs = ["{\"\(secret)\":1,\"\(secret)\":2}", "[\"\(secret)\u{01}\"]", "[\"\(secret)\" x]", "\"\(secret)"]
        for input in inputs {
            let error = try #require(failure(input))
            #expect(!error.description.contains("Geheim"))
            #expect(!error.description.contains("Müller"))
            #expect(error.description.contains(error.code.rawValue))
            #expect(error.description.contains("line \(error.line)"))
        }
    }

    @Test("many keys use the hash index and still catch duplicates")
    func manyKeys() throws {
        let members = (0..<500).map { "\"k\($0)\":\($0)" }
        let object = try JSONValue(parsing: "{" + members.joined(separator: ",") + "}")
        #expect(object["k499"] == 499)
        #expect(object.objectValue?.keys.first == "k0")
        let duplicate = try #require(failure("{" + members.joined(separator: ",") + ",\"k250\":1}"))
        #expect(duplicate.code == .duplicateKey)
    }

    @Test("keys compare by code points, not canonical equivalence")
    func codePointKeys() throws {
        // "é" precomposed and decomposed are canonically equivalent but different keys.
        let value = try JSONValue(parsing: "{\"\u{E9}\":1,\"e\u{301}\":2}")
        #expect(value.objectValue?.count == 2)
        #expect(value["\u{E9}"] == 1)
        #expect(value["e\u{301}"] == 2)
        #expect(JSONValue.string("\u{E9}") != JSONValue.string("e\u{301}"))
    }

    @Test("serialisation round-trips and preserves member order and number spelling")
    func roundTrip() throws {
        let text = #"{"zeta":1,"alpha":[1.50,-0,1E2,12345678901234567890123,{"b":null,"a":true}],"mid":"tab\tquote\"slash/\u0001é😀"}"#
        let value = try JSONValue(parsing: text)
        let compact = value.serializedString()
        #expect(compact == #"{"zeta":1,"alpha":[1.50,-0,1E2,12345678901234567890123,{"b":null,"a":true}],"mid":"tab\tquote\"slash/\u0001é😀"}"#)
        #expect(try JSONValue(parsing: compact) == value)
        let pretty = value.serializedString(pretty: true)
        #expect(pretty.contains("\n  \"alpha\": [\n"))
        #expect(try JSONValue(parsing: pretty) == value)
        #expect(value.objectValue?.keys == ["zeta", "alpha", "mid"])
    }

    @Test("JSON equality: numbers by value, objects unordered")
    func equality() throws {
        #expect(try JSONValue(parsing: "1") == JSONValue(parsing: "1.0"))
        #expect(try JSONValue(parsing: "1e2") == JSONValue(parsing: "100"))
        #expect(try JSONValue(parsing: "-0") == JSONValue(parsing: "0"))
        #expect(try JSONValue(parsing: "0.1") != JSONValue(parsing: "0.10000000000000001"))
        #expect(try JSONValue(parsing: "12345678901234567890") != JSONValue(parsing: "12345678901234567891"))
        #expect(try JSONValue(parsing: #"{"a":1,"b":2}"#) == JSONValue(parsing: #"{"b":2.0,"a":1}"#))
        #expect(try JSONValue(parsing: "true") != JSONValue(parsing: "1"))
        let set: Set<JSONValue> = [1, 1.0, "1", [1], ["a": 1]]
        #expect(set.count == 4)
        #expect(Set([try JSONValue(parsing: #"{"a":1,"b":2}"#), try JSONValue(parsing: #"{"b":2,"a":1.0}"#)]).count == 1)
    }

    @Test("exact numbers: integers, big values, multipleOf")
    func numbers() throws {
        let big = try #require(JSONNumber(parsing: "123456789012345678901234567890"))
        #expect(big.isInteger)
        #expect(big.int64Value == nil)
        #expect(big > JSONNumber(Int64.max))
        #expect(JSONNumber(parsing: "1.0")?.isInteger == true)
        #expect(JSONNumber(parsing: "1e2")?.int64Value == 100)
        #expect(JSONNumber(parsing: "1.5")?.isInteger == false)
        #expect(JSONNumber(parsing: "01") == nil)
        #expect(try #require(JSONNumber(parsing: "0.3")).isMultiple(of: try #require(JSONNumber(parsing: "0.1"))))
        #expect(!(try #require(JSONNumber(parsing: "0.35")).isMultiple(of: try #require(JSONNumber(parsing: "0.1")))))
        #expect(try #require(JSONNumber(parsing: "1e308")).isMultiple(of: try #require(JSONNumber(parsing: "0.5"))))
        #expect(!(try #require(JSONNumber(parsing: "1e308")).isMultiple(of: try #require(JSONNumber(parsing: "0.123456789")))))
        #expect(try #require(JSONNumber(parsing: "0.1")) < (try #require(JSONNumber(parsing: "0.10000000000000000001"))))
    }

    @Test("JSON pointer parse, escape and lookup")
    func pointer() throws {
        let value = try JSONValue(parsing: #"{"a/b":{"c~d":[10,20]},"":{"x":1}}"#)
        let pointer = try #require(JSONPointer("/a~1b/c~0d/1"))
        #expect(pointer.tokens == ["a/b", "c~d", "1"])
        #expect(pointer.description == "/a~1b/c~0d/1")
        #expect(value[pointer: pointer] == 20)
        #expect(value[pointer: .root] == value)
        #expect(value[pointer: try #require(JSONPointer("//x"))] == 1)
        #expect(value[pointer: try #require(JSONPointer("/a~1b/c~0d/01"))] == nil)
        #expect(value[pointer: try #require(JSONPointer("/a~1b/c~0d/-"))] == nil)
        #expect(JSONPointer("a") == nil)
        #expect(JSONPointer("/~2") == nil)
        #expect(JSONPointer.escape("a/b~c") == "a~1b~0c")
        #expect(JSONPointer.root.appending("x/y").appending(index: 3).description == "/x~1y/3")
    }
}
