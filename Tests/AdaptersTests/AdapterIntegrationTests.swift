import Adapters
import AMQP
import CaseModel
import Foundation
import Testing
import TestSupport

@Suite("Agency adapters through the hub", .serialized)
struct AdapterIntegrationTests {
    @Test("a document dropped at one office reaches the BA's outbox in the BA's format, projected for the BA")
    func dropToOutbox() async throws {
        let hub = try await Hub()
        let berlin = try await RunningAdapter("abh.berlin", hub: hub)
        let ba = try await RunningAdapter("ba", hub: hub)
        defer { berlin.remove(); ba.remove() }
        let written = ba.adapter.outbox.written()
        let accepted = berlin.adapter.dropFolder.events()
        let document = try nativeExample("abh", "valid-employment-consent-request.xml")
        try berlin.desk.drop(document, name: "antrag-0815")

        let intake = try await first(accepted) { if case .accepted = $0 { true } else { false } }
        guard case .accepted(let file, let events) = intake else { return }
        #expect(file == "antrag-0815.xml" && events.count == 1)
        #expect(FileManager.default.fileExists(atPath: berlin.adapter.configuration.processed.appendingPathComponent(file).path))
        let output = try await first(written) { $0.event.id == events[0].id }
        #expect(output.file.pathExtension == "json")
        let draft = try #require(try ba.adapter.codec.decode(NativeDocument(format: .json, bytes: Array(Data(contentsOf: output.file)))).first)
        #expect(draft.type.name == "de.migration.employment.consent-requested")
        #expect(draft.author?.rawValue == "abh.berlin")
        // Grant employment-agency-core (§ 39 AufenthG): identity core and the employment, no
        // identifiers at all (AZR number, passport), no place of birth.
        #expect(draft.data["person"]?["identifiers"] == nil, "the BA gets no identifiers")
        #expect(draft.data["person"]?["familyName"] != nil)
        #expect(draft.data["employment"] != nil)
        #expect(draft.legalPurpose == "§ 39 AufenthG")
        try await berlin.stop()
        try await ba.stop()
        try await hub.stop()
    }

    @Test("HTTP intake: 202 with the message ids, 422 with the error report, the refused document kept in failed/")
    func http() async throws {
        let hub = try await Hub()
        let bka = try await RunningAdapter("bka", hub: hub, httpPort: 0)
        defer { bka.remove() }
        let client = try await bka.intakeClient()
        let token = try bka.intakeToken()
        func post(_ document: NativeDocument) async throws -> (Int, JSONValue) {
            let reply = try await client.post(document, token: token)
            return (reply.status, reply.body ?? .null)
        }
        let (status, body) = try await post(try nativeExample("bka", "valid-security-check-answer.json"))
        #expect(status == 202)
        let id = try #require(body["accepted"]?[0]?["id"]?.stringValue)
        let copy = try #require(try await hub.take(1, from: "inbox.bva").first)
        #expect(copy.properties.messageID == id)

        let (refused, report) = try await post(try nativeExample("bka", "invalid-concerns-text.json"))
        #expect(refused == 422)
        #expect(report["code"] == "native.invalid")
        #expect(report["errors"]?[0]?["instanceLocation"] == "/data/concerns")
        let name = try #require(report["document"]?.stringValue)
        #expect(FileManager.default.fileExists(atPath: bka.adapter.configuration.failed.appendingPathComponent(name).path))
        #expect(FileManager.default.fileExists(atPath: bka.adapter.configuration.failed.appendingPathComponent(name + ".error.json").path))
        try await bka.stop()
        try await hub.stop()
    }

    @Test("HTTP intake: without the token 401, from a browser 403 (token or not, also a cross-site simple form POST), no CORS preflight answer; nothing taken")
    func httpDoor() async throws {
        let hub = try await Hub(router: false)
        let bka = try await RunningAdapter("bka", hub: hub, httpPort: 0)
        defer { bka.remove() }
        let client = try await bka.intakeClient()
        let token = try bka.intakeToken()
        let document = try nativeExample("bka", "valid-security-check-answer.json")

        let missing = try await client.send(headers: ["Content-Type": "application/json"], body: document.bytes)
        #expect(missing.status == 401)
        #expect(missing.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
        #expect(try await client.post(document, token: String(token.reversed())).status == 401)
        #expect(try await client.send(headers: ["Content-Type": "application/json", "Authorization": "Basic YmthOmJrYQ=="], body: document.bytes).status == 401)

        // What a web page can make a browser send: a form post, cross-site, no token.
        let form = try await client.send(headers: [
            "Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site",
        ], body: Array("x=1".utf8))
        #expect(form.status == 403)
        #expect(try await client.post(document, token: token, extra: ["Origin": "https://evil.example"]).status == 403)
        #expect(try await client.post(document, token: token, extra: ["Sec-Fetch-Site": "same-site"]).status == 403)
        #expect(try await client.send("GET", "/health", headers: ["Origin": "https://evil.example"]).status == 403)
        // The preflight a page needs before it may send Authorization is never granted.
        let preflight = try await client.send("OPTIONS", headers: [
            "Origin": "https://evil.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization",
        ])
        #expect(preflight.headers["access-control-allow-origin"] == nil && preflight.headers["access-control-allow-headers"] == nil)
        #expect(bka.adapter.publisher.spool.count == 0, "nothing was taken")
        #expect(try FileManager.default.contentsOfDirectory(atPath: bka.adapter.configuration.failed.path).isEmpty)

        #expect(try await client.send("GET", "/health").status == 200)
        #expect(try await client.post(document, token: token).status == 202)
        try await bka.stop()
        try await hub.stop()
    }

    @Test("a document the hub refuses comes back as a native rejection notice in the sender's outbox")
    func rejectionNotice() async throws {
        let hub = try await Hub()
        let muenchen = try await RunningAdapter("abh.muenchen", hub: hub)
        defer { muenchen.remove() }
        let written = muenchen.adapter.outbox.written()
        let template = try canonicalExample("case.file-requested.v1")
        var data = try #require(template.data.objectValue)
        data["requester"] = "abh.muenchen"
        data["previousOffice"] = "abh.neustadt"
        let event = try template.replacing([
            "id": .string(UUID().uuidString.lowercased()), "source": "urn:de:migration:abh:muenchen",
            "subject": "abh.muenchen:KVR-2026-7", "data": .object(data),
        ])
        try muenchen.desk.drop([event], name: "anforderung")
        let id = event.id
        let notice = try await first(written) { $0.rejection?.originalMessageID == id }
        #expect(notice.rejection?.errorCode == "unroutable")
        #expect(notice.file.lastPathComponent.contains("quittung.abweisung"))
        let text = try String(contentsOf: notice.file, encoding: .utf8)
        #expect(text.contains("<quittung.abweisung") && text.contains("<ursprungsnachrichtId>\(event.id)</ursprungsnachrichtId>"))
        let dead = try #require(try await hub.take(1, from: "dead.letters").first)
        #expect(dead.properties.messageID == event.id)
        #expect(dead.properties.headers?["x-drehscheibe-error-code"]?.stringValue == "unroutable")
        try await muenchen.stop()
        try await hub.stop()
    }
}
