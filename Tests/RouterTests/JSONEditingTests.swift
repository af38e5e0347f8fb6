import CaseModel
@testable import Router
import Testing

/// The projection's filters (AllowedFields, JSONValue+Editing); these pin what they keep and
/// that the value they started from, still shared with the decoded event, stays as it was.
@Suite("Projection edits on JSON values (pure)")
struct JSONEditingTests {
    let envelope = try! JSONValue(parsing: """
        {"id":"1","data":{"applicant":{"name":"A","azr":"123"},"guarantors":[{"name":"G1","azr":"9"},{"name":"G2"}],
         "ids":{"azr":"5"},"persons":[{"role":"applicant"},{"role":"inviter"},{"role":"witness"}]}}
        """)

    @Test("an allow-list keeps what its pointers reach; a wildcard every member or element at its level")
    func allows() {
        let fields = AllowedFields([["data", "applicant", "name"], ["data", "guarantors", "*", "name"], ["data", "ids"]])
        let kept = fields.filter(envelope)
        #expect(kept?.value(at: ["data", "applicant"]) == .object(JSONObject([("name", .string("A"))])))
        #expect(kept?.value(at: ["data", "guarantors"])?.arrayValue?.count == 2)
        #expect(kept?.value(at: ["data", "guarantors", "0", "azr"]) == nil)
        #expect(kept?.value(at: ["data", "ids", "azr"]) == .string("5"))
        #expect(kept?.value(at: ["data", "persons"]) == nil)
        #expect(kept?.value(at: ["id"]) == nil)
        // What a pointer reaches through a scalar, or nothing at all, keeps nothing.
        #expect(AllowedFields([["id", "deeper"]]).filter(envelope) == nil)
        #expect(AllowedFields([]).filter(envelope) == nil)
        #expect(fields.overlaps(["data", "ids", "azr"]))
        #expect(fields.overlaps(["data", "guarantors", "3", "name"]))
        #expect(!fields.overlaps(["data", "persons"]))
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
        edited = AllowedFields([["data", "guarantors"], ["data", "persons"]]).filter(edited) ?? .null
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
