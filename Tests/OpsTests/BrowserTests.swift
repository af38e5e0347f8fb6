import AMQP
import Foundation
import Ops
import Store
import TestSupport
import Testing

@Suite("Dashboard in a real headless Chromium (real broker)", .serialized)
struct BrowserTests {
    @Test func anOperatorLogsInFindsADeadLetterReplaysItAndItIsDelivered() async throws {
        try await withSQLiteStore { store in
            let agency = uniqueName("agency")
            let caseID = "abh.berlin:BROWSER-\(UUID().uuidString.prefix(8))"
            let admin = try await connect()
            // The router dead-lettered a copy for `agency` whose inbox refused it; the test's own
            // queues stand in for dead.letters and for that inbox.
            let deadLetters = try await TestQueue.bound(to: "case.dead", routingKey: agency, on: admin)
            let inbox = try await TestQueue.replayIntake(on: admin)
            // The router's own broker user publishes dead letters (its user_id is what the store believes).
            let router = try await connect(as: "drehscheibe-router")
            let publishing = try await router.openChannel()
            defer { Task { await deadLetters.cleanUp(); await inbox.cleanUp(); await admin.close(); await router.close() } }
            let message = routerDeadLetter(caseID: caseID, originalRoutingKey: agency)
            let messageID = try #require(message.properties.messageID)

            let events = StoredEvents()
            try await OpsServerHarness.run(store: store, deadLetterQueue: deadLetters.name, observe: events.record) { server in
                try await publishing.publish(message, exchange: "case.dead", routingKey: agency)
                // The consumer reports each dead letter once it is committed and acknowledged.
                let stored = try await events.next()
                #expect(stored.messageID == messageID)

                let browser = try await WebDriver.start()
                do {
                    try await browser.open(server.baseURL)
                    try await browser.type("rey", into: "#login-name")
                    try await browser.type(OpsServerHarness.passwords["rey"]!, into: "#login-password")
                    try await browser.click("#login-submit")
                    try await browser.waitForText("rey (replayer)", in: "#who")

                    // Find it by its case id.
                    try await browser.type(caseID, into: "#filter-case-id")
                    try await browser.click("#filter-apply")
                    try await browser.waitForText("1–1 of 1", in: "#dead-page")
                    try await browser.click("#dead-table tbody tr[data-message-id=\"\(messageID)\"]")
                    try await browser.waitForText("· new", in: "#detail-title")
                    try await browser.waitForText("delivery-failed", in: "#detail-failure")
                    // Personal data is masked until asked for (and that is audited).
                    #expect(try await !browser.text(of: "#detail-body").contains("Muster"))
                    try await browser.click("#detail-reveal")
                    try await browser.waitForText("Muster", in: "#detail-body")

                    try await browser.type("inbox repaired", into: "#replay-reason")
                    try await browser.click("#replay-button")
                    try await browser.waitForText("started", in: "#detail-message")
                } catch {
                    await browser.quit()
                    throw error
                }
                await browser.quit()

                let delivered = try #require(try await inbox.channel.consume(queue: inbox.name).take(1, owedTo: agency).first)
                #expect(delivered.properties.messageID == messageID)
                #expect(delivered.body == message.body)
                #expect(delivered.properties.headers?["x-drehscheibe-replayed"] == .string("true"))
                #expect(delivered.properties.userID == "drehscheibe-ops")
            }
            let actions = try await store.auditRecords(limit: 100).map(\.action)
            #expect(actions.contains("session.login"))
            #expect(actions.contains("dead-letter.disclosed"))
            #expect(actions.contains("replay.started"))
        }
    }
}
