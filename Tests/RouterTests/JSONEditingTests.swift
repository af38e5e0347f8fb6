import CaseModel
@testable import Router
import Testing

/// The projection edits work in place (see JSONValue+Editing); these pin what they remove and
/// that the value they started from, still shared with the decoded event, stays as it was.
@Suite("Projection edits on JSON values (pure)")
struct JSONEditingTests {
    let envelope = try! JSONValue(parsing: """
        {"id":"1","data":{"applicant":{"name":"A","azr":"123"},"guarantors":[{"name":"G1","azr":"9"},{"name":"G2"}],
         "ids":{"azr":"5"},"persons":[{"role":"applicant"},{"role":"inviter"},{"role":"witness"}]}}
        """)

    @Test("a pointer removes one member; a wildcard every member or element at its level")
    func removes() {
        var value = envelope
        #expect(value.remove(matching: ["data", "applicant", "azr"]) == 1)
        #expect(value.remove(matching: ["data", "guarantors", "*", "azr"]) == 1)
        #expect(value.remove(matching: ["data", "absent", "azr"]) == 0)
        #expect(value.value(at: ["data", "applicant", "azr"]) == nil)
        #expect(value.value(at: ["data", "applicant", "name"]) == .string("A"))
        #expect(value.value(at: ["data", "guarantors", "0"]) == .object(JSONObject([("name", .string("G1"))])))
        #expect(value.value(at: ["data", "guarantors", "1", "name"]) == .string("G2"))
    }

    @Test("an object the projection empties goes too; array elements by index and by wildcard")
    func emptiedAndArrays() {
        var value = envelope
        #expect(value.remove(matching: ["data", "ids", "azr"]) == 1)
        #expect(value.value(at: ["data", "ids"]) == nil)
        #expect(value.remove(matching: ["data", "persons", "1"]) == 1)
        #expect(value.value(at: ["data", "persons", "1", "role"]) == .string("witness"))
        #expect(value.remove(matching: ["data", "persons", "*"]) == 2)
        #expect(value.value(at: ["data", "persons"])?.arrayValue?.isEmpty == true)
    }

    @Test("keepItems keeps the elements whose field is allowed")
    func keepsItems() {
        var value = envelope
        #expect(value.keepItems(at: ["data", "persons"], where: ["role"], in: ["applicant", "inviter"]) == 1)
        #expect(value.value(at: ["data", "persons"])?.arrayValue?.count == 2)
        #expect(value.keepItems(at: ["data", "persons"], where: ["role"], in: ["applicant", "inviter"]) == 0)
    }

    @Test("the value an edit started from is unchanged (the edits copy what they share)")
    func originalUnchanged() {
        let original = envelope
        var edited = original
        edited.remove(matching: ["data", "guarantors", "*", "azr"])
        edited.remove(matching: ["data", "ids", "azr"])
        edited.keepItems(at: ["data", "persons"], where: ["role"], in: ["applicant"])
        #expect(original == envelope)
        #expect(original.value(at: ["data", "guarantors", "0", "azr"]) == .string("9"))
        #expect(original.value(at: ["data", "ids", "azr"]) == .string("5"))
        #expect(original.value(at: ["data", "persons"])?.arrayValue?.count == 3)
        #expect(edited != original)
    }
}

@Suite("Metric labels (pure)")
struct MetricLabelTests {
    @Test("event types a sender invents stop adding labels at the bound; known ones keep theirs")
    func typeLabelsAreBounded() {
        var labels = TypeLabels(maximum: 2)
        #expect(labels.label(for: "a.v1") == "a.v1")
        #expect(labels.label(for: "b.v1") == "b.v1")
        #expect(labels.label(for: "invented-\(UInt64.random(in: 0...UInt64.max))") == "other")
        #expect(labels.label(for: "a.v1") == "a.v1")
        #expect(labels.label(for: nil) == "unknown")
        #expect(labels.seen.count == 2)
    }
}

@Suite("Transaction size (pure)")
struct TransactionSizeTests {
    @Test("a transaction takes up to the limit, stops before the byte budget, and always takes one")
    func bounded() {
        #expect(ShardWorker.transactionCount(outputBytes: Array(repeating: 1_000, count: 300), limit: 128, bytes: 8 << 20) == 128)
        #expect(ShardWorker.transactionCount(outputBytes: [3, 3, 3, 3], limit: 128, bytes: 10) == 3)
        #expect(ShardWorker.transactionCount(outputBytes: [50, 1], limit: 128, bytes: 10) == 1)
        #expect(ShardWorker.transactionCount(outputBytes: [1, 50, 1], limit: 128, bytes: 10) == 1)
        #expect(ShardWorker.transactionCount(outputBytes: [5, 5], limit: 128, bytes: 10) == 2)
        #expect(ShardWorker.transactionCount(outputBytes: [], limit: 128, bytes: 10) == 0)
    }
}
