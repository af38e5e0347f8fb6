import AMQP
import CaseModel
import Foundation
@testable import Router
import TestSupport
import Testing

@Suite("Router settings file (pure)")
struct RouterSettingsTests {
    func configuration() -> RouterConfiguration {
        RouterConfiguration(connection: ConnectionConfiguration(host: "localhost"), schemasDirectory: schemasDirectory)
    }

    @Test("deploy/router/router.json parses and describes the deployed topology")
    func deployedFile() throws {
        let url = TestBroker.packageRoot.appendingPathComponent("deploy/router/router.json")
        let settings = try RouterSettings(json: Array(Data(contentsOf: url)))
        var configuration = configuration()
        settings.apply(to: &configuration)
        #expect(configuration.queues == RouterConfiguration.defaultShards)
        #expect(configuration.transactionBytes == 8 << 20)
        #expect(configuration.ledgerInterval == .milliseconds(100))
        #expect(configuration.ledgerBacklog == 20_000)
        #expect(configuration.pipeline.trustedRelays == ["drehscheibe-router", "drehscheibe-ops"])
        // Each retry tier is a queue the broker definitions declare.
        let definitions = try String(contentsOf: TestBroker.packageRoot.appendingPathComponent("deploy/rabbitmq/definitions.json"), encoding: .utf8)
        for tier in configuration.retry.tiers { #expect(definitions.contains("\"retry.\(tier)\""), "retry.\(tier)") }
    }

    @Test("values override the defaults; a changed broker user is a trusted relay unless relays are listed")
    func overrides() throws {
        let settings = try RouterSettings(json: Array(#"{"queues": ["a", "b"], "prefetch": 64, "brokerUser": "router-2", "retryTiers": ["1m"], "maximumAttempts": 2, "ledgerIntervalMilliseconds": 0, "ledgerBacklog": 500}"#.utf8))
        var configuration = configuration()
        settings.apply(to: &configuration)
        #expect(configuration.queues == ["a", "b"])
        #expect(configuration.prefetch == 64)
        #expect(configuration.pipeline.brokerUser == "router-2")
        #expect(configuration.pipeline.trustedRelays == ["router-2", "drehscheibe-ops"])
        #expect(configuration.retry.tier(afterAttempts: 1) == "1m")
        #expect(configuration.retry.tier(afterAttempts: 2) == nil)
        #expect(configuration.deliverExchange == "case.deliver")
        #expect(configuration.ledgerInterval == .zero)
        #expect(configuration.ledgerBacklog == 500)
    }

    @Test("command-line values override the file's; a broker user without relays resets them to the default")
    func commandLineOverFile() throws {
        let file = try RouterSettings(json: Array(#"{"prefetch": 64, "trustedRelays": ["drehscheibe-router", "relay-x"], "deadExchange": "dead.x"}"#.utf8))
        var commandLine = RouterSettings()
        try commandLine.set("prefetch", 32)
        var configuration = configuration()
        file.overridden(by: commandLine).apply(to: &configuration)
        #expect(configuration.prefetch == 32)
        #expect(configuration.deadExchange == "dead.x")
        #expect(configuration.pipeline.trustedRelays == ["drehscheibe-router", "relay-x"])

        try commandLine.set("brokerUser", "bench-admin")
        configuration = self.configuration()
        file.overridden(by: commandLine).apply(to: &configuration)
        #expect(configuration.pipeline.brokerUser == "bench-admin")
        #expect(configuration.pipeline.trustedRelays == ["bench-admin", "drehscheibe-ops"])

        try commandLine.set("trustedRelays", ["bench-admin"])
        configuration = self.configuration()
        file.overridden(by: commandLine).apply(to: &configuration)
        #expect(configuration.pipeline.trustedRelays == ["bench-admin"])
    }

    @Test("unknown keys and bad values are refused with the key named", arguments: [
        (#"{"prefech": 10}"#, "unknown key 'prefech'"),
        (#"{"prefetch": 0}"#, "prefetch must be 1…65535"),
        (#"{"prefetch": 70000}"#, "prefetch must be 1…65535"),
        (#"{"prefetch": "256"}"#, "prefetch must be an integer"),
        (#"{"queues": []}"#, "queues must be a non-empty array"),
        (#"{"queues": ["a", 1]}"#, "queues must hold non-empty strings"),
        (#"{"transactionBytes": -1}"#, "transactionBytes must be positive"),
        (#"{"ledgerIntervalMilliseconds": -1}"#, "ledgerIntervalMilliseconds must be 0…10000"),
        (#"{"ledgerIntervalMilliseconds": 60000}"#, "ledgerIntervalMilliseconds must be 0…10000"),
        (#"{"ledgerBacklog": 99}"#, "ledgerBacklog must be 100…50000"),
        (#"{"ledgerBacklog": 100000}"#, "ledgerBacklog must be 100…50000"),
        (#"{"maximumAttempts": 0}"#, "maximumAttempts must be 1…100"),
        (#"["queues"]"#, "must be a JSON object"),
        (#"{"queues": "#, "not valid JSON"),
    ])
    func refused(json: String, message: String) {
        do {
            _ = try RouterSettings(json: Array(json.utf8))
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.description.contains(message), "\(error)")
        }
    }

    @Test("every setting is documented in deploy/router/README.md and stated in the deployed file")
    func documented() throws {
        let readme = try String(contentsOf: TestBroker.packageRoot.appendingPathComponent("deploy/router/README.md"), encoding: .utf8)
        let file = try JSONValue(parsing: Array(Data(contentsOf: TestBroker.packageRoot.appendingPathComponent("deploy/router/router.json"))))
        let stated = Set(file.objectValue?.keys.map { $0 } ?? [])
        for setting in RouterSetting.all {
            #expect(readme.contains("`\(setting.key)`"), "\(setting.key) is not in deploy/router/README.md")
            #expect(stated.contains(setting.key), "\(setting.key) is not in deploy/router/router.json")
        }
        #expect(stated == Set(RouterSetting.all.map(\.key)))
    }

    @Test("a command-line value is checked like the file's")
    func commandLineChecked() {
        var settings = RouterSettings()
        #expect(throws: SettingsError("prefetch must be 1…65535, not 0")) { try settings.set("prefetch", 0) }
        #expect(throws: SettingsError.self) { try settings.set("prefech", 1) }
    }
}
