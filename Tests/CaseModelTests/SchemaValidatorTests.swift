import CaseModel
import Foundation
import Testing

@Suite("Schema validator")
struct SchemaValidatorTests {
    static let personSchema: JSONValue = try! JSONValue(parsing: #"""
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "$id": "https://schemas.example/case.json",
          "type": "object",
          "required": ["data"],
          "properties": {
            "data": {
              "type": "object",
              "required": ["person"],
              "additionalProperties": false,
              "properties": {
                "person": { "$ref": "#/$defs/person" },
                "validFrom": { "type": "string", "format": "date" },
                "validUntil": { "type": "string", "format": "date" },
                "mrz": { "type": "string", "x-mrz": "td3" }
              },
              "x-dateOrder": [["validFrom", "validUntil"]]
            }
          },
          "$defs": {
            "postalCode": { "type": "string", "pattern": "^[0-9]{5}$" },
            "person": {
              "type": "object",
              "required": ["familyName", "birthDate"],
              "properties": {
                "familyName": { "type": "string", "minLength": 1, "maxLength": 10 },
                "birthDate": { "type": "string", "format": "date", "x-notInFuture": true },
                "nationality": { "type": "string", "x-codeList": "staaten" },
                "sex": { "enum": ["M", "F", "X"] },
                "postalCode": { "$ref": "#/$defs/postalCode" },
                "age": { "type": "integer", "minimum": 0 }
              }
            }
          }
        }
        """#)

    static let registry: SchemaRegistry = {
        let staaten = try! CodeList(name: "staaten", json: ["entries": [["code": "000"], ["code": "121"]]])
        return SchemaRegistry(codeLists: CodeLists([staaten]))
    }()

    static let referenceTime = Date(timeIntervalSince1970: 1_709_210_000)  // 2024-02-29T12:33:20Z

    func schema(_ json: JSONValue = Self.personSchema, assertFormats: Bool = true) throws -> CompiledSchema {
        try Self.registry.compile(json, options: ValidationOptions(assertFormats: assertFormats, referenceTime: Self.referenceTime))
    }

    func errors(_ instance: String, _ schema: CompiledSchema) throws -> [SchemaViolation] {
        schema.validate(try JSONValue(parsing: instance)).errors
    }

    @Test("a valid case passes both paths")
    func valid() throws {
        let schema = try schema()
        let instance = try JSONValue(parsing: #"{"data":{"person":{"familyName":"Müller","birthDate":"1990-05-01","nationality":"121","age":33},"validFrom":"2024-01-01","validUntil":"2024-12-31","mrz":"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"}}"#)
        #expect(schema.isValid(instance))
        #expect(schema.validate(instance).isValid)
    }

    @Test("errors say what and where in plain English, without personal values")
    func messages() throws {
        let secret = "Geheimname-Sehr-Lang"
        let found = try errors(#"{"data":{"person":{"familyName":"\#(secret)","birthDate":"1990-02-30","nationality":"999","sex":"Q","postalCode":"1234","age":1.5},"validFrom":"2024-12-31","validUntil":"2024-01-01","extra":1,"mrz":"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<11"}}"#, try schema())
        let byLocation = Dictionary(grouping: found, by: { $0.instanceLocation.description })
        func message(_ location: String, _ keyword: String) -> String? {
            byLocation[location]?.first(where: { $0.keyword == keyword })?.message
        }
        #expect(message("/data/person/familyName", "maxLength") == "/data/person/familyName: 'familyName' must be at most 10 characters long")
        #expect(message("/data/person/birthDate", "format") == "/data/person/birthDate: 'birthDate' must be a date like 2024-02-29")
        #expect(message("/data/person/nationality", "x-codeList") == "/data/person/nationality: 'nationality' is not a code of the code list 'staaten'")
        #expect(message("/data/person/sex", "enum") == "/data/person/sex: 'sex' is not one of the allowed values ('M', 'F', 'X')")
        #expect(message("/data/person/postalCode", "pattern") == "/data/person/postalCode: 'postalCode' does not have the form required for postalCode (pattern ^[0-9]{5}$)")
        #expect(message("/data/person/age", "type") == "/data/person/age: 'age' must be a whole number")
        #expect(message("/data", "x-dateOrder") == "/data: 'validFrom' must be before 'validUntil'")
        #expect(message("/data/extra", "false") == "/data/extra: the field 'extra' is not allowed here")
        #expect(message("/data/mrz", "x-mrz") == "/data/mrz: 'mrz' is not a valid passport machine-readable zone: the check digit of the composite is wrong")
        for error in found {
            #expect(!error.message.contains(secret))
            #expect(!error.message.contains("1990-02-30"))
            #expect(!error.message.contains("ERIKSSON"))
        }
        let postal = try #require(found.first { $0.keyword == "pattern" })
        #expect(postal.keywordLocation.description == "/properties/data/properties/person/$ref/properties/postalCode/$ref/pattern")
        #expect(postal.absoluteKeywordLocation == "https://schemas.example/case.json#/$defs/postalCode/pattern")
    }

    @Test("a missing required field is reported at its parent")
    func required() throws {
        let found = try errors(#"{"data":{"person":{"birthDate":"1990-01-01"}}}"#, try schema())
        #expect(found.map(\.message) == ["/data/person: the required field 'familyName' is missing"])
        #expect(found.first?.keyword == "required")
        let root = try errors(#"{}"#, try schema())
        #expect(root.map(\.message) == ["/: the required field 'data' is missing"])
    }

    @Test("x-notInFuture compares against the reference time")
    func notInFuture() throws {
        let schema = try schema()
        #expect(try errors(#"{"data":{"person":{"familyName":"A","birthDate":"2024-02-29"}}}"#, schema).isEmpty)
        let future = try errors(#"{"data":{"person":{"familyName":"A","birthDate":"2024-03-01"}}}"#, schema)
        #expect(future.map(\.message) == ["/data/person/birthDate: 'birthDate' must not be in the future"])
        let dateTimes = try self.schema(["type": "string", "format": "date-time", "x-notInFuture": true])
        #expect(dateTimes.isValid("2024-02-29T12:33:19Z"))
        // Up to 300 s ahead is clock skew (Schemas/README.md), beyond that the future.
        #expect(dateTimes.isValid("2024-02-29T13:38:20+01:00"))
        #expect(!dateTimes.isValid("2024-02-29T13:38:21+01:00"))
        // Dates compare with today's date in Germany: 23:30 UTC on 29 February is 1 March in Berlin.
        let lateEvening = try Self.registry.compile(["type": "string", "x-notInFuture": true], options: ValidationOptions(
            referenceTime: Date(timeIntervalSince1970: 1_709_249_400)))  // 2024-02-29T23:30:00Z
        #expect(lateEvening.isValid("2024-03-01"))
        #expect(!lateEvening.isValid("2024-03-02"))
        // Partial dates by their first day.
        #expect(lateEvening.isValid("2024-03"))
        #expect(!lateEvening.isValid("2024-04"))
        #expect(lateEvening.isValid("2024"))
        #expect(!lateEvening.isValid("2025"))
    }

    @Test("format assertion is an option")
    func formatOption() throws {
        let json: JSONValue = ["type": "string", "format": "email"]
        #expect(!(try schema(json)).isValid("not-an-email"))
        #expect(try schema(json, assertFormats: false).isValid("not-an-email"))
        for format in ["date", "date-time", "time", "uuid", "email", "ipv4", "ipv6", "uri", "duration"] {
            #expect(!(try schema(["format": .string(format)])).isValid("x y"), "\(format) must assert")
        }
        #expect(try schema(["format": "made-up"]).isValid("x y"))
    }

    @Test("unknown code list and bad keywords fail at compile time")
    func compileErrors() throws {
        do {
            _ = try Self.registry.compile(["x-codeList": "nope"])
            Issue.record("expected a compile error")
        } catch {
            #expect(error.code == .unknownCodeList)
        }
        #expect(throws: SchemaCompileError.self) { try Self.registry.compile(["x-mrz": "td1"]) }
        #expect(throws: SchemaCompileError.self) { try Self.registry.compile(["minLength": -1]) }
        #expect(throws: SchemaCompileError.self) { try Self.registry.compile(["pattern": "(unclosed"]) }
        do {
            _ = try Self.registry.compile(["$ref": "https://elsewhere.example/schema.json"])
            Issue.record("expected a compile error")
        } catch {
            #expect(error.code == .unresolvedReference)
        }
    }

    @Test("schemas load from a directory by $id and reference each other")
    func directory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("schemas-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("shared"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(#"{"$id":"https://schemas.example/shared/name.json","type":"string","minLength":1}"#.utf8)
            .write(to: directory.appendingPathComponent("shared/name.json"))
        try Data(#"{"$id":"https://schemas.example/event.json","properties":{"name":{"$ref":"shared/name.json"}}}"#.utf8)
            .write(to: directory.appendingPathComponent("event.json"))
        var registry = SchemaRegistry()
        let uris = try registry.registerDirectory(directory)
        #expect(Set(uris) == ["https://schemas.example/shared/name.json", "https://schemas.example/event.json"])
        let schema = try registry.compile(uri: "https://schemas.example/event.json")
        #expect(schema.isValid(["name": "A"]))
        #expect(!schema.isValid(["name": ""]))
    }

    @Test("the draft 2020-12 meta-schema validates schemas")
    func metaschema() throws {
        let registry = SchemaRegistry()
        for path in ["schema", "meta/core", "meta/applicator", "meta/unevaluated", "meta/validation", "meta/meta-data",
                     "meta/format-annotation", "meta/format-assertion", "meta/content"] {
            #expect(registry.contains(uri: "https://json-schema.org/draft/2020-12/" + path), "\(path) missing")
        }
        let meta = try SchemaRegistry().compile(uri: SchemaRegistry.draft202012)
        #expect(meta.isValid(Self.personSchema))
        #expect(!meta.isValid(["type": "strang"]))
        #expect(!meta.isValid(["properties": ["a": ["minLength": -1]]]))
    }

    @Test("unevaluatedProperties sees through $ref and allOf")
    func unevaluated() throws {
        let schema = try schema(try JSONValue(parsing: #"""
            {"allOf":[{"$ref":"#/$defs/base"}],"properties":{"b":true},"unevaluatedProperties":false,
             "$defs":{"base":{"properties":{"a":true}}}}
            """#))
        #expect(schema.isValid(["a": 1, "b": 2]))
        let found = schema.validate(["a": 1, "c": 3]).errors
        #expect(found.map(\.message) == ["/c: the field 'c' is not allowed here"])
    }

    @Test("self-referencing schemas stop at the evaluation depth instead of crashing a Task")
    func recursionDepth() async throws {
        let schema = try Self.registry.compile(["$ref": "#"])
        let result = await Task { schema.validate(["a": 1]) }.value
        #expect(!result.isValid)
        #expect(result.errors.first?.message.contains("nests too deeply") == true)
        let deepSchema = try Self.registry.compile(try JSONValue(parsing: ##"{"items":{"$ref":"#"}}"##))
        var instance: JSONValue = []
        for _ in 0..<60 { instance = [instance] }
        let nested = instance
        #expect(await Task { deepSchema.isValid(nested) }.value)
    }

    @Test("basic output shape")
    func basicOutput() throws {
        let result = try schema().validate(try JSONValue(parsing: #"{"data":{"person":{"familyName":"A"}}}"#))
        let output = result.basicOutput
        #expect(output["valid"] == false)
        #expect(output["errors"]?[0]?["instanceLocation"] == "/data/person")
        #expect(output["errors"]?[0]?["keywordLocation"] == "/properties/data/properties/person/$ref/required")
        #expect(output["errors"]?[0]?["absoluteKeywordLocation"] == "https://schemas.example/case.json#/$defs/person/required")
    }

    @Test("patterns follow ECMA-262 and are linear on hostile input")
    func patterns() throws {
        let digits = try schema(["pattern": "^\\d+$"])
        #expect(digits.isValid("0123"))
        #expect(!digits.isValid("١٢٣"))  // Arabic-Indic digits are not \d in ECMA-262
        let letters = try schema(["pattern": "^\\p{L}+$"])
        #expect(letters.isValid("Müller"))
        #expect(!letters.isValid("Müller1"))
        let evil = try schema(["pattern": "^(a+)+$"])
        let start = Date()
        #expect(!evil.isValid(.string(String(repeating: "a", count: 5000) + "!")))
        #expect(Date().timeIntervalSince(start) < 2)
        let unanchored = try schema(["pattern": "b.d"])
        #expect(unanchored.isValid("abcde"))
        #expect(!unanchored.isValid("ab\nde"))
    }
}
