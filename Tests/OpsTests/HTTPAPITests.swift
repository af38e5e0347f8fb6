import AMQP
import CaseModel
import Foundation
import Ops
import Store
import TestSupport
import Testing

@Suite("HTTP API: login, roles, CSRF, health and metrics (real broker)", .serialized)
struct HTTPAPITests {
    @Test func healthReadinessAndMetrics() async throws {
        try await withSQLiteStore { store in
            try await storeDeadLetter(store, routerDeadLetter(originalRoutingKey: "bka"), routingKey: "bka")
            try await OpsServerHarness.run(store: store) { server async throws in
                let client = OpsClient(server.baseURL)
                #expect(try await client.get("/healthz").status == 200)
                #expect(try await client.get("/readyz").status == 200)
                let metrics = try await client.get("/metrics")
                #expect(metrics.status == 200)
                #expect(metrics.text.contains(#"drehscheibe_dead_letters{state="new"} 1"#))
                #expect(metrics.text.contains(#"drehscheibe_queue_messages_ready{queue="dead.letters"}"#))
                let page = try await client.get("/")
                #expect(page.status == 200)
                #expect(page.text.contains("<script src=\"/app.js\""))
                #expect(page.headers["content-security-policy"]?.contains("script-src 'self'") == true)
                #expect(page.headers["x-frame-options"] == "DENY")
            }
        }
    }

    @Test func loginSetsAnHttpOnlySameSiteCookieAndWrongPasswordsAreRefused() async throws {
        try await withSQLiteStore { store in
            try await OpsServerHarness.run(store: store) { server async throws in
                let client = OpsClient(server.baseURL)
                #expect(try await client.get("/api/dead-letters").status == 401)
                #expect(try await client.login("vic", "wrong").status == 401)
                #expect(try await client.login("nobody", "wrong").status == 401)
                let reply = try await client.login("vic")
                #expect(reply.status == 200)
                let cookie = try #require(reply.headers["set-cookie"])
                #expect(cookie.contains("HttpOnly"))
                #expect(cookie.contains("SameSite=Strict"))
                #expect(cookie.contains("Path=/"))
                let session = try #require(try await client.get("/api/session").json as? [String: Any])
                #expect(session["role"] as? String == "viewer")
                #expect((session["permissions"] as? [String])?.contains("replay") == false)

                #expect(try await client.post("/api/logout", [:]).status == 204)
                #expect(try await client.get("/api/session").status == 401)

                let actions = try await store.auditRecords().map(\.action)
                #expect(actions == ["session.login-failed", "session.login-failed", "session.login"])
            }
        }
    }

    /// Five failures lock the name: further attempts, even with the right password, get 429
    /// and Retry-After without a password check and without an audit record each; the window's
    /// summary records how many there were.
    @Test func repeatedFailuresLockTheNameAndTheFloodIsSummarisedNotRecorded() async throws {
        try await withSQLiteStore { store in
            let clock = TestClock()
            let loginGuard = LoginGuard(clock: { clock.now })
            try await OpsServerHarness.run(store: store, loginGuard: loginGuard) { server async throws in
                let client = OpsClient(server.baseURL)
                for _ in 0..<5 { #expect(try await client.login("rey", "guess").status == 401) }
                for _ in 0..<40 {
                    let refused = try await client.login("rey")
                    #expect(refused.status == 429)
                    #expect(refused.headers["retry-after"] == "30")
                }
                #expect(try await store.auditRecords().map(\.action) == Array(repeating: "session.login-failed", count: 5))
                let locked = try await store.auditRecords().last
                #expect(locked?.details.contains("lockedNameSeconds") == true)

                clock.advance(by: .seconds(61))
                #expect(try await client.login("rey").status == 200)
                let records = try await store.auditRecords()
                #expect(records.map(\.action) == Array(repeating: "session.login-failed", count: 5) + ["session.logins-summarised", "session.login"])
                let summary = try JSONValue(parsing: records[5].details)
                #expect(summary["refusedName"]?.numberValue?.int64Value == 40)
                #expect(summary["attempts"]?.numberValue?.int64Value == 40)
                let metrics = try await client.get("/metrics").text
                #expect(metrics.contains(#"drehscheibe_ops_logins_total{outcome="refused"} 40"#))
            }
        }
    }

    /// One address guessing at many names is locked too, whatever name it tries next.
    @Test func aClientGuessingManyNamesIsLockedOut() async throws {
        try await withSQLiteStore { store in
            let clock = TestClock()
            try await OpsServerHarness.run(store: store, loginGuard: LoginGuard(clock: { clock.now })) { server async throws in
                let client = OpsClient(server.baseURL)
                for index in 0..<20 { #expect(try await client.login("guess-\(index)", "guess").status == 401) }
                #expect(try await client.login("ada").status == 429)
                clock.advance(by: .seconds(31))
                #expect(try await client.login("ada").status == 200)
            }
        }
    }

    @Test func stateChangesNeedTheCSRFTokenJSONAndTheSameOrigin() async throws {
        try await withSQLiteStore { store in
            let id = try await storeDeadLetter(store, routerDeadLetter(originalRoutingKey: "bka"), routingKey: "bka")
            try await OpsServerHarness.run(store: store) { server async throws in
                let client = OpsClient(server.baseURL)
                try await client.login("ada")
                let path = "/api/dead-letters/\(id)/discard"
                #expect(try await client.post(path, ["reason": "junk"], csrf: false).status == 403)
                #expect(try await client.post(path, ["reason": "junk"], contentType: "application/x-www-form-urlencoded").status == 415)
                #expect(try await client.post(path, ["reason": "junk"], origin: "https://evil.example").status == 403)
                #expect(try await store.deadLetter(id)?.state == .new)
                #expect(try await client.post(path, ["reason": "junk"], origin: server.baseURL.absoluteString).status == 200)
                #expect(try await store.deadLetter(id)?.state == .discarded)
            }
        }
    }

    @Test func rolesDecideAndEveryAttemptIsAudited() async throws {
        try await withSQLiteStore { store in
            let agency = uniqueName("agency")
            let admin = try await connect()
            let inbox = try await TestQueue.replayIntake(on: admin)
            defer { Task { await inbox.cleanUp(); await admin.close() } }
            let message = routerDeadLetter(originalRoutingKey: agency)
            let id = try await storeDeadLetter(store, message, routingKey: agency)
            let other = try await storeDeadLetter(store, routerDeadLetter(originalRoutingKey: agency), routingKey: agency)

            try await OpsServerHarness.run(store: store) { server async throws in
                let viewer = OpsClient(server.baseURL)
                try await viewer.login("vic")
                let list = try #require(try await viewer.get("/api/dead-letters?sourceAgency=abh.berlin&limit=1").json as? [String: Any])
                #expect(list["total"] as? Int == 2)
                #expect((list["items"] as? [[String: Any]])?.count == 1)
                let detail = try await viewer.get("/api/dead-letters/\(id)")
                #expect(detail.status == 200)
                #expect(!detail.text.contains("Muster"))
                let shown = try #require(detail.json as? [String: Any])
                #expect(shown["origin"] as? String == "router")
                #expect(shown["sender"] as? String == "abh.berlin")
                #expect(try await viewer.get("/api/dead-letters/\(id)?reveal=true").status == 403)
                #expect(try await viewer.post("/api/replays", ["ids": [id.rawValue]]).status == 403)
                #expect(try await viewer.post("/api/dead-letters/\(id)/discard", ["reason": "x"]).status == 403)
                #expect(try await viewer.get("/api/audit").status == 403)

                let operatorRey = OpsClient(server.baseURL)
                try await operatorRey.login("rey")
                #expect(try await operatorRey.get("/api/dead-letters/\(id)?reveal=true").text.contains("Muster"))
                #expect(try await operatorRey.post("/api/dead-letters/\(other)/discard", ["reason": "x"]).status == 403)
                let dryRun = try await operatorRey.post("/api/replays", ["ids": [id.rawValue], "dryRun": true])
                #expect(dryRun.status == 200)
                #expect(try await store.deadLetter(id)?.state == .new)
                let started = try await operatorRey.post("/api/replays", ["ids": [id.rawValue], "target": "original", "reason": "inbox repaired"])
                #expect(started.status == 202, "\(started.text)")

                // The replay runs in the background; it is done when the message is on its way to
                // the router, owed to the agency whose inbox refused it.
                let delivery = try #require(try await inbox.channel.consume(queue: inbox.name).take(1, owedTo: agency).first)
                #expect(delivery.properties.messageID == message.properties.messageID)
                #expect(delivery.properties.headers?["x-drehscheibe-replayed"] == .string("true"))

                let ada = OpsClient(server.baseURL)
                try await ada.login("ada")
                #expect(try await ada.post("/api/dead-letters/\(other)/discard", ["reason": "duplicate of \(id)"]).status == 200)
                #expect(try await ada.post("/api/dead-letters/\(other)/discard", ["reason": "again"]).status == 409)
                let verification = try #require(try await ada.get("/api/audit/verify").json as? [String: Any])
                #expect(verification["intact"] as? Bool == true)
            }
            let records = try await store.auditRecords(limit: 1000)
            let refused = records.filter { $0.action == "access.refused" }
            #expect(Set(refused.map(\.actor)) == ["vic", "rey"])
            #expect(refused.count == 5)
            for action in ["dead-letter.disclosed", "replay.dry-run", "replay.started", "dead-letter.replayed", "dead-letter.discarded",
                           "dead-letter.discard.failed", "audit.verified"] {
                #expect(records.contains { $0.action == action }, "\(action) not audited")
            }
            #expect(records.first { $0.action == "dead-letter.replayed" }?.actor == "rey")
        }
    }

    @Test func deadlinesAreListedEarliestFirstWithTheTraceShowingThem() async throws {
        try await withSQLiteStore { store in
            let received = Date()
            func opening(_ n: Int, days: Double) -> DeadlineOpening {
                let due = received.addingTimeInterval(days * 86_400)
                return DeadlineOpening(
                    rule: "beschv-36-2", caseID: "abh.berlin:DL-\(n)", requestMessageID: "00000000-0000-4000-8000-00000000000\(n)",
                    requestID: "10000000-0000-4000-8000-00000000000\(n)", requester: "abh.berlin", actor: n == 3 ? "bva" : "ba",
                    received: received, due: due, dueDate: CivilDate(due), claimedDue: n == 1 ? "2020-01-01T00:00:00Z" : nil)
            }
            try await store.recordDeadlines([.opened(opening(1, days: 14)), .opened(opening(2, days: 3)), .opened(opening(3, days: 7))], now: received)
            try await OpsServerHarness.run(store: store) { server async throws in
                let viewer = OpsClient(server.baseURL)
                try await viewer.login("vic")
                let open = try #require(try await viewer.get("/api/deadlines?state=open").json as? [[String: Any]])
                #expect(open.compactMap { $0["caseID"] as? String } == ["abh.berlin:DL-2", "abh.berlin:DL-3", "abh.berlin:DL-1"])
                #expect(open.first?["actor"] as? String == "ba")
                let forBA = try #require(try await viewer.get("/api/deadlines?state=open&actor=ba").json as? [[String: Any]])
                #expect(forBA.count == 2)
                #expect(try await viewer.get("/api/deadlines?state=late").status == 400)
                let trace = try #require(try await viewer.get("/api/trace?case=abh.berlin:DL-1").json as? [String: Any])
                let kinds = (trace["events"] as? [[String: Any]])?.compactMap { $0["kind"] as? String } ?? []
                #expect(kinds == ["deadline-opened", "deadline-warning"])
                let anonymous = OpsClient(server.baseURL)
                #expect(try await anonymous.get("/api/deadlines").status == 401)
            }
        }
    }

    @Test func editsThroughTheAPIAreRevalidated() async throws {
        try await withSQLiteStore { store in
            let id = try await storeDeadLetter(store, routerDeadLetter(originalRoutingKey: "bka"), routingKey: "bka")
            try await OpsServerHarness.run(store: store) { server async throws in
                let client = OpsClient(server.baseURL)
                try await client.login("rey")
                let patch: [[String: Any]] = [["op": "replace", "path": "/data/person/birthDate", "value": "1990-01-02"]]
                let reply = try await client.post("/api/dead-letters/\(id)/edit", ["patch": patch, "reason": "typo"])
                #expect(reply.status == 200, "\(reply.text)")
                let view = try #require(reply.json as? [String: Any])
                #expect(view["revision"] as? Int == 1)
                #expect((view["revalidation"] as? [String: Any])?["status"] as? String == "invalid")
                #expect(view["replayable"] as? Bool == false)
                let bad = try await client.post("/api/dead-letters/\(id)/edit", ["patch": [["op": "remove", "path": "/nope"]]])
                #expect(bad.status == 400)
            }
        }
    }
}
