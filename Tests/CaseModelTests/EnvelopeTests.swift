import CaseModel
import Foundation
import Testing

@Suite("CloudEvents envelope")
struct EnvelopeTests {
    static let minimal: JSONObject = [
        "specversion": "1.0",
        "id": "4b0c7b0e-5a4c-4f4e-9a51-6f3f1f0e2d11",
        "source": "urn:de:migration:abh:berlin",
        "type": "de.migration.employment.consent-requested.v1",
        "subject": "abh.berlin:4711",
        "time": "2026-11-16T09:12:31.250+01:00",
        "datacontenttype": "application/json",
        "dataschema": "https://drehscheibe.example/schemas/events/employment.consent-requested.v1.schema.json",
        "data": ["fastTrack": true],
    ]

    static func bytes(_ object: JSONObject) -> [UInt8] { JSONValue.object(object).serialized() }

    func failure(_ bytes: [UInt8], limits: JSONParser.Limits = .init()) -> EnvelopeError? {
        do {
            _ = try CaseEvent.decode(bytes, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    func failure(_ object: JSONObject) -> EnvelopeError? { failure(Self.bytes(object)) }

    @Test("decodes attributes, extensions and data; re-serialises member for member")
    func decode() throws {
        var object = Self.minimal
        object["correlationid"] = "corr-1"
        object["causationid"] = "5b0c7b0e-5a4c-4f4e-9a51-6f3f1f0e2d11"
        object["traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        object["legalpurpose"] = "§ 39 AufenthG"
        object["dueat"] = "2026-11-30T09:12:31+01:00"
        object["xunknown"] = 1.50
        let event = try CaseEvent.decode(Self.bytes(object))
        #expect(event.id == "4b0c7b0e-5a4c-4f4e-9a51-6f3f1f0e2d11")
        #expect(event.source == "urn:de:migration:abh:berlin")
        #expect(event.sourceAgency?.rawValue == "abh.berlin")
        #expect(event.type == "de.migration.employment.consent-requested.v1")
        #expect(event.eventType.name == "de.migration.employment.consent-requested")
        #expect(event.eventType.version == 1)
        #expect(event.subject == "abh.berlin:4711")
        #expect(event.specversion == "1.0")
        #expect(event.datacontenttype == "application/json")
        #expect(event.data == ["fastTrack": true])
        #expect(event.correlationid == "corr-1")
        #expect(event.causationid == "5b0c7b0e-5a4c-4f4e-9a51-6f3f1f0e2d11")
        #expect(event.traceparent?.hasPrefix("00-") == true)
        #expect(event.legalpurpose == "§ 39 AufenthG")
        #expect(event.dueat == "2026-11-30T09:12:31+01:00")
        #expect(event.timestamp == Date(timeIntervalSince1970: 1_794_816_751.25))
        #expect(event.serialized() == Self.bytes(object))
        #expect(try CaseEvent.decode(event.serialized()) == event)
    }

    @Test("decoding keeps member order and number spelling")
    func faithful() throws {
        let text = #"{"data":{"amount":1.50,"big":123456789012345678901234567890},"specversion":"1.0","id":"a","source":"s","type":"de.migration.a.b.v1","subject":"s","time":"t","datacontenttype":"application/json","dataschema":"d"}"#
        let event = try CaseEvent.decode(Array(text.utf8))
        #expect(String(decoding: event.serialized(), as: UTF8.self) == text)
    }

    @Test("each envelope error code with its pointer", arguments: [
        ("specversion", JSONValue?.none, "envelope.missing-attribute"),
        ("id", nil, "envelope.missing-attribute"),
        ("source", nil, "envelope.missing-attribute"),
        ("type", nil, "envelope.missing-attribute"),
        ("subject", nil, "envelope.missing-attribute"),
        ("time", nil, "envelope.missing-attribute"),
        ("datacontenttype", nil, "envelope.missing-attribute"),
        ("dataschema", nil, "envelope.missing-attribute"),
        ("data", nil, "envelope.missing-attribute"),
        ("id", 42, "envelope.invalid-attribute"),
        ("subject", .null, "envelope.invalid-attribute"),
        ("dataschema", ["x"], "envelope.invalid-attribute"),
        ("dueat", true, "envelope.invalid-attribute"),
        ("correlationid", 7, "envelope.invalid-attribute"),
        ("specversion", "0.3", "envelope.unsupported-specversion"),
        ("specversion", 1.0, "envelope.invalid-attribute"),
        ("type", "de.migration.employment.consent-requested", "envelope.unknown-type"),
        ("type", "com.example.thing.v1", "envelope.unknown-type"),
        ("type", "de.migration.Employment.consent.v1", "envelope.unknown-type"),
        ("type", "de.migration.employment.consent.v01", "envelope.unknown-type"),
    ] as [(String, JSONValue?, String)])
    func attributeErrors(_ name: String, _ value: JSONValue?, _ code: String) throws {
        var object = Self.minimal
        object[name] = value
        let error = try #require(failure(object))
        #expect(error.code.rawValue == code)
        #expect(error.pointer == JSONPointer(tokens: [name]))
        #expect(error.offset == nil)
        #expect(error.description.hasPrefix(code))
        #expect(error.description.contains("/\(name)"))
    }

    @Test("a document that is not an object")
    func notAnObject() throws {
        let error = try #require(failure(Array("[1, 2]".utf8)))
        #expect(error.code == .notAnObject)
        #expect(error.code.rawValue == "envelope.not-an-object")
        #expect(error.pointer == .root)
    }

    @Test("data may be any JSON for decoding (the schema demands an object)")
    func dataShape() throws {
        var object = Self.minimal
        object["data"] = .null
        let event = try CaseEvent.decode(Self.bytes(object))
        #expect(event.data == .null)
    }

    @Test("descriptions never contain values")
    func noValuesInDescriptions() throws {
        var object = Self.minimal
        object["subject"] = 1234567
        object["type"] = "Mustermann.Erika.v1"
        let error = try #require(failure(object))
        #expect(!error.description.contains("Mustermann"))
        let json = try #require(failure(Array(#"{"name":"Erika Mustermann","name":"Erika"}"#.utf8)))
        #expect(json.code.rawValue == "json.duplicate-key")
        #expect(!json.description.contains("Erika"))
    }

    // MARK: Hostile input

    @Test("100k-deep nesting is rejected, not a crash, even on a concurrency thread")
    func deepNesting() async throws {
        let error = await Task.detached { () -> EnvelopeError? in
            let depth = 100_000
            let bytes = Array(repeating: UInt8(ascii: "["), count: depth) + Array(repeating: UInt8(ascii: "]"), count: depth)
            do throws(EnvelopeError) {
                _ = try CaseEvent.decode(bytes)
                return nil
            } catch {
                return error
            }
        }.value
        let found = try #require(error)
        #expect(found.code.rawValue == "json.too-deep")
        #expect(found.code.jsonCode == .tooDeep)
        #expect(found.offset == 64)
        // Nested objects inside data fail the same way.
        let objects = await Task.detached { () -> EnvelopeError? in
            var text = #"{"specversion":"1.0","data":"#
            text += String(repeating: #"{"a":"#, count: 100_000) + "1" + String(repeating: "}", count: 100_000) + "}"
            do throws(EnvelopeError) {
                _ = try CaseEvent.decode(Array(text.utf8))
                return nil
            } catch {
                return error
            }
        }.value
        #expect(objects?.code.rawValue == "json.too-deep")
    }

    @Test("a 10k-digit number is rejected with its position")
    func longNumber() throws {
        let text = #"{"specversion":"1.0","data":{"n":"# + String(repeating: "9", count: 10_000) + "}}"
        let error = try #require(failure(Array(text.utf8)))
        #expect(error.code.rawValue == "json.number-too-long")
        #expect(error.offset == 33)
        #expect(error.line == 1)
        #expect(error.column == 34)
        let exponent = try #require(failure(Array(#"{"n":1e99999999999999999999}"#.utf8)))
        #expect(exponent.code.rawValue == "json.number-out-of-range")
    }

    @Test("duplicate keys, at the top and deep inside")
    func duplicateKeys() throws {
        var text = String(decoding: Self.bytes(Self.minimal), as: UTF8.self)
        text.removeLast()
        let top = try #require(failure(Array((text + #","id":"again"}"#).utf8)))
        #expect(top.code.rawValue == "json.duplicate-key")
        #expect(top.offset == text.utf8.count + 1)
        let inner = try #require(failure(Array(#"{"data":{"person":{"familyName":"A","familyName":"B"}}}"#.utf8)))
        #expect(inner.code.rawValue == "json.duplicate-key")
        #expect(inner.offset == 36)
        // Many keys (hash index) still find the duplicate.
        let many = "{" + (0..<200).map { "\"k\($0)\":0" }.joined(separator: ",") + ",\"k17\":1}"
        #expect(failure(Array(many.utf8))?.code.rawValue == "json.duplicate-key")
    }

    @Test("invalid UTF-8 and lone surrogates", arguments: [
        ([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D], "json.invalid-utf8", 6),  // broken 2-byte sequence
        ([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x7D], "json.invalid-utf8", 6),  // encoded surrogate
        ([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC0, 0xAF, 0x22, 0x7D], "json.invalid-utf8", 6),  // overlong '/'
        ([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D], "json.invalid-utf8", 2),  // in a key
        (Array(#"{"a":"\uD83D"}"#.utf8), "json.lone-surrogate", 6),
        (Array(#"{"a":"\uDE00x"}"#.utf8), "json.lone-surrogate", 6),
        ([0xEF, 0xBB, 0xBF] + Array("{}".utf8), "json.byte-order-mark", 0),
    ] as [([UInt8], String, Int)])
    func encoding(_ bytes: [UInt8], _ code: String, _ offset: Int) throws {
        let error = try #require(failure(bytes))
        #expect(error.code.rawValue == code)
        #expect(error.offset == offset)
    }

    @Test("oversize documents and strings")
    func oversize() throws {
        let big = Self.bytes(Self.minimal) + Array(repeating: UInt8(ascii: " "), count: 1 << 20)
        let error = try #require(failure(big))
        #expect(error.code.rawValue == "json.too-large")
        let small = JSONParser.Limits(maxBytes: 100)
        #expect(failure(Self.bytes(Self.minimal), limits: small)?.code.rawValue == "json.too-large")
        let longString = JSONParser.Limits(maxStringBytes: 16)
        let string = try #require(failure(Self.bytes(Self.minimal), limits: longString))
        #expect(string.code.rawValue == "json.string-too-long")
    }

    @Test("truncated and trailing input", arguments: [
        (#"{"specversion":"1.0""#, "json.unexpected-end"),
        (#"{} {}"#, "json.trailing-data"),
        ("", "json.empty"),
        (#"{"a":01}"#, "json.invalid-number"),
        ("{\"a\":\"\u{01}\"}", "json.control-character"),
    ])
    func truncated(_ text: String, _ code: String) throws {
        #expect(failure(Array(text.utf8))?.code.rawValue == code)
    }

    // MARK: Event type names

    @Test("event type names")
    func typeNames() throws {
        let type = try #require(EventTypeName("de.migration.visa.abh-consent-requested.v12"))
        #expect(type.name == "de.migration.visa.abh-consent-requested")
        #expect(type.version == 12)
        #expect(type.full == "de.migration.visa.abh-consent-requested.v12")
        #expect(type.domain == "visa")
        #expect(type.shortName == "visa.abh-consent-requested.v12")
        #expect(type.versionLabel == "v12")
        #expect(EventTypeName(name: type.name, version: 2)?.full == "de.migration.visa.abh-consent-requested.v2")
        #expect(EventTypeName("de.migration.visa.abh-consent-requested.v9")! < type)
        for bad in ["", "de.migration.visa.v1", "de.migration.visa.a.b.v1", "de.migration.visa.abh--consent.v1",
                    "de.migration.visa.-abh.v1", "de.migration.visa.abh.v0", "de.migration.visa.abh.v", "de.migration.visa.abh.1",
                    "de.migration.visa.abh.V1", "de.migration.visa.abh.v1 ", "de.migration.visa.abh.v1234567890",
                    "de.migration.vísa.abh.v1", "de.migration." + String(repeating: "a", count: 120) + ".b.v1"] {
            #expect(EventTypeName(bad) == nil, "\(bad)")
        }
    }

    // MARK: AMQP mapping

    @Test("AMQP properties and ce- headers mirror the envelope")
    func amqpMapping() throws {
        var object = Self.minimal
        object["legalpurpose"] = "§ 39 AufenthG"
        object["traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let event = try CaseEvent(object: object)
        let attributes = event.amqpAttributes
        #expect(attributes.messageID == event.id)
        #expect(attributes.type == event.type)
        #expect(attributes.correlationID == "abh.berlin:4711")  // no correlationid: the case id
        #expect(attributes.timestamp == Date(timeIntervalSince1970: 1_794_816_751))
        #expect(attributes.contentType == "application/cloudevents+json")
        #expect(attributes.contentType == CaseEvent.contentType)
        #expect(attributes.appID == "urn:de:migration:abh:berlin")
        #expect(attributes.userID == nil)
        #expect(attributes.headers == [
            "ce-source": "urn:de:migration:abh:berlin",
            "ce-subject": "abh.berlin:4711",
            "ce-dataschema": "https://drehscheibe.example/schemas/events/employment.consent-requested.v1.schema.json",
            "ce-legalpurpose": "§ 39 AufenthG",
            "ce-traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ])
        #expect(event.mismatches(attributes).isEmpty)
        #expect(event.mismatches(AMQPAttributes()).isEmpty)

        object["correlationid"] = "tx-9"
        #expect(try CaseEvent(object: object).amqpAttributes.correlationID == "tx-9")
    }

    @Test("mismatches name every contradicting attribute, not its value")
    func amqpMismatches() throws {
        let event = try CaseEvent(object: Self.minimal)
        var attributes = event.amqpAttributes
        attributes.messageID = "other"
        attributes.type = "de.migration.employment.consent-decided.v1"
        attributes.correlationID = "x"
        attributes.timestamp = Date(timeIntervalSince1970: 1_794_816_752)
        attributes.contentType = "application/json"
        attributes.contentEncoding = "latin1"
        attributes.appID = "some-adapter"  // app_id is the creating application: not compared
        attributes.userID = "abh.koeln"  // authentication's business
        attributes.headers["ce-subject"] = "abh.berlin:4712"
        attributes.headers["ce-dueat"] = "2026-11-30T09:12:31+01:00"  // the envelope has no dueat
        attributes.headers["x-other"] = "ignored"
        #expect(event.mismatches(attributes) == [
            "message_id", "type", "correlation_id", "timestamp", "content_type", "content_encoding", "ce-subject", "ce-dueat",
        ])
        // Sub-second parts of time are not in an AMQP timestamp; parameters of the content type are allowed.
        var close = event.amqpAttributes
        close.timestamp = Date(timeIntervalSince1970: 1_794_816_751.9)
        close.contentType = "Application/CloudEvents+JSON; charset=utf-8"
        #expect(event.mismatches(close).isEmpty)
    }

    @Test("replacing members re-reads the envelope")
    func replacing() throws {
        let event = try CaseEvent(object: Self.minimal)
        let changed = try event.replacing(["subject": "abh.berlin:4712"])
        #expect(changed.subject == "abh.berlin:4712")
        #expect(changed.object.keys == event.object.keys)
        #expect(throws: EnvelopeError.self) { try event.replacing(["type": "nope"]) }
    }
}
