import AMQP
import CaseModel
import Foundation
import Ops
import Store
import Testing

@Suite("Operations: roles, edits and the audit of every attempt")
struct OperationsTests {
    func operations(_ store: HubStore, revalidator: any Revalidator = AcceptingRevalidator()) -> Operations {
        Operations(store: store, revalidator: revalidator, logger: quietLogger("test.ops"))
    }

    @Test func rolesAreOrdered() {
        #expect(OperatorRole.viewer.may(.viewDeadLetters))
        #expect(!OperatorRole.viewer.may(.viewPersonalData))
        #expect(!OperatorRole.viewer.may(.replay))
        #expect(OperatorRole.replayer.may(.replay))
        #expect(OperatorRole.replayer.may(.edit))
        #expect(!OperatorRole.replayer.may(.discard))
        #expect(OperatorRole.admin.may(.discard))
        #expect(OperatorRole.admin.may(.viewAudit))
    }

    @Test func refusalsAreAuditedAndChangeNothing() async throws {
        try await withSQLiteStore { store in
            let ops = operations(store)
            let id = try await storeDeadLetter(store, routerDeadLetter(originalRoutingKey: "bka"), routingKey: "bka")
            await #expect(throws: OpsError.self) { try await ops.discard(id, reason: "junk", by: replayer) }
            await #expect(throws: OpsError.self) { try await ops.deadLetter(id, revealPersonalData: true, by: viewer) }
            await #expect(throws: OpsError.self) {
                try await ops.startReplay(ReplayRequest(selection: .ids([id]), actor: viewer.actor), runner: "r", by: viewer)
            }
            #expect(try await store.deadLetter(id)?.state == .new)
            let refused = try await store.auditRecords().filter { $0.action == "access.refused" }
            #expect(refused.map(\.actor) == ["rey", "vic", "vic"])
            #expect(refused[0].reason?.contains("needs admin") == true)
            #expect(refused[0].subject == "dead-letter:\(id)")
        }
    }

    @Test func failedAttemptsAreAuditedToo() async throws {
        try await withSQLiteStore { store in
            let ops = operations(store)
            let id = try await storeDeadLetter(store, routerDeadLetter(originalRoutingKey: "bka"), routingKey: "bka")
            _ = try await ops.discard(id, reason: "test message", by: admin)
            await #expect(throws: StoreError.self) { try await ops.discard(id, reason: "again", by: admin) }
            let actions = try await store.auditRecords().map(\.action)
            #expect(actions == ["dead-letter.stored", "dead-letter.discarded", "dead-letter.discard.failed"])
        }
    }

    @Test func revealingPersonalDataIsAudited() async throws {
        try await withSQLiteStore { store in
            let ops = operations(store)
            let id = try await storeDeadLetter(store, routerDeadLetter(originalRoutingKey: "bka"), routingKey: "bka")
            let masked = try await ops.deadLetter(id, by: viewer)
            #expect(masked.personalDataMasked)
            #expect(!masked.body.contains("Muster"))
            #expect(try await store.auditRecords().map(\.action) == ["dead-letter.stored"])
            let revealed = try await ops.deadLetter(id, revealPersonalData: true, by: replayer)
            #expect(revealed.body.contains("Muster"))
            #expect(try await store.auditRecords().map(\.action) == ["dead-letter.stored", "dead-letter.disclosed"])
        }
    }

    @Test func editsArePatchedDiffedAndRevalidated() async throws {
        try await withSQLiteStore { store in
            let schemas = try CaseSchemaRevalidator(directory: TestSchemas.directory)
            let ops = operations(store, revalidator: schemas)
            let id = try await storeDeadLetter(store, routerDeadLetter(originalRoutingKey: "bka"), routingKey: "bka")
            let patch = try JSONPatch(parsing: Array(#"[{"op":"replace","path":"/data/person/birthDate","value":"1990-01-02"}]"#.utf8))
            let edited = try await ops.edit(id, patch: patch, reason: "wrong birth date", by: replayer)
            #expect(edited.state == .edited)
            #expect(String(decoding: edited.effectiveBody, as: UTF8.self).contains("1990-01-02"))
            #expect(edited.edits[0].diff.contains("/data/person/birthDate"))
            // The test body is not a valid consent request: revalidation says so and the edit cannot be replayed.
            #expect(edited.revalidation?.status == .invalid)
            #expect(edited.revalidation?.validator == "case-schemas")
            #expect(edited.revalidation?.problems.isEmpty == false)
            #expect(!edited.isReplayable)

            let view = try await ops.deadLetter(id, by: viewer)
            #expect(view.edits[0].changes[0].path == "/data/person/birthDate")
            #expect(view.edits[0].changes[0].after == "\"•••\"")

            let broken = try JSONPatch(parsing: Array(#"[{"op":"remove","path":"/data/nothing"}]"#.utf8))
            await #expect(throws: OpsError.self) { try await ops.edit(id, patch: broken, reason: nil, by: replayer) }
            #expect(try await store.auditRecords().map(\.action) == ["dead-letter.stored", "dead-letter.edited", "dead-letter.edit.failed"])
        }
    }

    @Test func aValidExampleEditPassesRevalidation() async throws {
        try await withSQLiteStore { store in
            let ops = operations(store, revalidator: try CaseSchemaRevalidator(directory: TestSchemas.directory))
            // A valid example from Schemas/, broken in one field, dead-lettered, and fixed by an edit.
            let example = try TestSchemas.validExample("employment.consent-requested.v1")
            var broken = example
            broken["id"] = "not-a-uuid"
            let body = JSONValue.object(broken).serialized()
            let id = try await storeDeadLetter(
                store, .init(body: body, properties: .init(headers: ["x-drehscheibe-sender": "av.neu-delhi"], messageID: "not-a-uuid", userID: "drehscheibe-router")),
                routingKey: "x")
            let fix = try JSONPatch(parsing: Array(#"[{"op":"replace","path":"/id","value":"\#(example["id"]!.stringValue!)"}]"#.utf8))
            let edited = try await ops.edit(id, patch: fix, reason: "id mangled by the adapter", by: replayer)
            #expect(edited.revalidation?.status == .valid, "\(edited.revalidation?.problems ?? [])")
            #expect(edited.isReplayable)
        }
    }
}

/// The repository's Schemas/ contract.
enum TestSchemas {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Schemas").resolvingSymlinksInPath()

    static func validExample(_ name: String) throws -> JSONObject {
        let folder = directory.appendingPathComponent("examples/\(name)")
        let file = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().first { $0.hasPrefix("valid") && $0.hasSuffix(".json") }!
        let data = try Data(contentsOf: folder.appendingPathComponent(file))
        return try JSONParser().parse([UInt8](data)).objectValue!
    }
}
