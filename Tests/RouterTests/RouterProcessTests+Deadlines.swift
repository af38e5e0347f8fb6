import AMQP
import CaseModel
import Foundation
import Logging
@testable import Router
import Store
import Testing
import TestSupport

extension RouterProcessTests {
    @Test("kill -9 while periods end: exactly one deemed outcome per expired deadline, none lost")
    func deemedOutcomesSurviveKillNine() async throws {
        let setup = try setup("deadline-kill9")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("deadline-kill9-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let clock = directory.appendingPathComponent("clock").path
        try "0\n".write(toFile: clock, atomically: true, encoding: .utf8)
        // The deployed settings, with a lease short enough for a test and no grace.
        let deployed = try JSONValue(parsing: Array(Data(contentsOf: TestBroker.packageRoot.appendingPathComponent("deploy/router/router.json"))))
        var settings = try #require(deployed.objectValue)
        settings["deadlineClaimLeaseSeconds"] = 10
        settings["deadlineGraceSeconds"] = 0
        let config = directory.appendingPathComponent("router.json")
        try Data(JSONValue.object(settings).serialized()).write(to: config)
        let arguments = ["--config", config.path, "--deadline-clock-offset-file", clock]
        var router = try startRouter(setup, name: "router-deadlines", extraArguments: arguments)

        // 40 consent requests from a mission, each a case of its own; the BA never answers.
        let total = 40
        let mission = try await setup.harness.connect(as: "av.neu-delhi")
        let channel = try await mission.openChannel()
        var requestIDs: [String] = []
        for index in 0..<total {
            var envelope = try fresh("employment.consent-requested.v1", subject: "av.neu-delhi:NDE-2026-K\(index)")
            requestIDs.append(envelope["id"]!.stringValue!)
            var data = try #require(envelope["data"]?.objectValue)
            data["requestId"] = .string(UUID().uuidString.lowercased())
            envelope["data"] = .object(data)
            let (message, _) = inbound(envelope, freshID: false)
            try await channel.publish(Message(body: message.body, properties: message.properties), exchange: "case.ingress", routingKey: envelope["type"]!.stringValue!)
        }
        await mission.close()
        let logger = Logger(label: "test.deadlines")
        let expected = try await HubStore.withStore(.sqlite(path: setup.store.path), logger: logger) { store in
            try await withDeadline(.seconds(60), "40 deadlines opened") {
                while try await store.deadlines(DeadlineFilter(state: .open)).count < total { try await Task.sleep(for: .milliseconds(50)) }
            }
            return Set(try await store.deadlines(DeadlineFilter()).map(\.deemedOutcomeMessageID))
        }
        #expect(expected.count == total)

        // Three weeks on; kill the router while it publishes the outcomes, three times.
        try "\(21 * 86_400)\n".write(toFile: clock, atomically: true, encoding: .utf8)
        let observer = try await setup.harness.admin()
        let inspect = try await observer.openChannel()
        for _ in 0..<3 {
            let before = try await inspect.inspectQueue("inbox.av.neu-delhi").messageCount
            let deadline = ContinuousClock.now + .seconds(30)
            while try await inspect.inspectQueue("inbox.av.neu-delhi").messageCount <= before, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...50)))
            router.signal(SIGKILL)
            router.wait()
            router = try startRouter(setup, name: "router-deadlines", extraArguments: arguments)
        }
        await observer.close()
        // Claims of the killed instances run out after 10 s; then each outcome is published or known delivered.
        let arrived = try await drain("inbox.av.neu-delhi", expected: expected, setup: setup, timeout: .seconds(120))
        #expect(Set(arrived) == expected, "lost \(expected.subtracting(arrived).count)")
        #expect(arrived.count == Set(arrived).count, "\(arrived.count - Set(arrived).count) outcome(s) delivered twice")
        // SIGTERM once it handles signals (before, the default action kills it).
        #expect(await router.waitForLog("deadline service started", timeout: .seconds(60)))
        router.signal(SIGTERM)
        #expect(await router.wait(timeout: .seconds(30)) == 0, "router log:\n\(router.log.suffix(2000))")
        let connection = try await setup.harness.admin()
        #expect(try await connection.openChannel().inspectQueue("inbox.av.neu-delhi").messageCount == 0, "an outcome delivered twice")
        await connection.close()
        let (counts, audited) = try await HubStore.withStore(.sqlite(path: setup.store.path), logger: logger) { store in
            (try await store.deadlineCounts(), try await store.auditRecords(limit: 10_000).filter { $0.action == "deadline.deemed" }.count)
        }
        #expect(counts == [.deemed: total])
        #expect(audited == total)
        TestBroker.deleteVirtualHost(setup.vhost)
    }
}
