import AMQP
import Foundation
import Testing
import TestSupport

/// The broker's production profile (`DREHSCHEIBE_BROKER_PROFILE=production`, what
/// `deploy/local/cluster` runs): AMQPS only, TLS 1.3/1.2 with the suites of BSI TR-02102-2,
/// peers verified against the hub CA. The suite starts its own node (instance
/// `test-production`, ports 5730/5731) and stops it at the end.
@Suite("Broker production profile: TLS only", .serialized)
struct ProductionProfileTests {
    static let environment: [String: String] = {
        var environment = ProcessInfo.processInfo.environment
        environment["DREHSCHEIBE_BROKER_INSTANCE"] = "test-production"
        environment["DREHSCHEIBE_BROKER_BASE_PORT"] = "5730"
        environment["DREHSCHEIBE_BROKER_PROFILE"] = "production"
        return environment
    }()
    static let tls = TestBroker.packageRoot.appendingPathComponent(".state/broker-test-production/tls").path

    static func broker(_ arguments: [String]) throws -> String {
        let result = try Command.run(
            TestBroker.packageRoot.appendingPathComponent("deploy/local/broker").path, arguments, environment: environment)
        guard result.status == 0 else { throw TestBrokerError(message: "broker \(arguments): \(result.errorOutput)") }
        return result.output
    }

    /// `openssl s_client` against the AMQPS listener with `options`; its output.
    static func handshake(_ options: [String]) throws -> String {
        let result = try Command.run("/usr/bin/openssl", ["s_client", "-connect", "localhost:5731", "-CAfile", "\(tls)/ca.pem"] + options, input: "")
        return result.output + result.errorOutput
    }

    @Test("plaintext, TLS 1.1 and 1.0, suites without forward secrecy and another CA's certificate are refused; TLS 1.2 and 1.3 with a password or the hub CA's certificate work")
    func tlsOnly() async throws {
        let url = try #require(try Self.broker(["start"]).split(separator: "\n").last.map(String.init))
        defer { _ = try? Self.broker(["stop"]) }
        #expect(url.hasPrefix("amqps://"), "the production profile hands out AMQPS URLs")

        // A password over TLS, the server verified against the hub CA.
        let connection = try await Connection.connect(try ConnectionConfiguration(url: url))
        let channel = try await connection.openChannel()
        let queue = "test.production.\(UUID().uuidString.prefix(8))"
        try await channel.declareQueue(queue, durable: false, exclusive: true)
        try await channel.publish(Message("over TLS"), exchange: "", routingKey: queue)
        #expect(try await channel.get(queue: queue, autoAck: true)?.delivery.body == Array("over TLS".utf8))
        await connection.close()

        // No plaintext listener.
        var plain = try ConnectionConfiguration(url: url)
        (plain.tls, plain.port, plain.recovery) = (nil, 5730, .disabled)
        await #expect(throws: AMQPError.self) { try await Connection.connect(plain) }

        // Old protocol versions and suites BSI TR-02102-2 does not recommend: the server refuses them.
        for version in ["-tls1_1", "-tls1"] {
            let output = try Self.handshake([version, "-cipher", "DEFAULT:@SECLEVEL=0"])
            #expect(output.contains("alert protocol version") || output.contains("no protocols available"), "\(version): \(output.suffix(400))")
            #expect(output.contains("Cipher is (NONE)"), "\(version) was accepted")
        }
        for suite in ["AES128-SHA", "AES256-GCM-SHA384"] {  // RSA key exchange: no forward secrecy
            let output = try Self.handshake(["-tls1_2", "-cipher", suite])
            #expect(output.contains("Cipher is (NONE)"), "\(suite): \(output.suffix(400))")
        }
        let modern = try Self.handshake(["-tls1_2"])
        #expect(modern.contains("Cipher is ECDHE-RSA-AES256-GCM-SHA384"), "\(modern.suffix(400))")
        #expect(try Self.handshake(["-tls1_3"]).contains("Cipher is TLS_AES_256_GCM_SHA384"))

        // A certificate the hub CA issued logs in with SASL EXTERNAL; one from another CA does not.
        let external = ConnectionConfiguration(
            host: "localhost", port: 5731, virtualHost: "/", authentication: .external,
            tls: TLSConfiguration(caFile: "\(Self.tls)/ca.pem", certificateFile: "\(Self.tls)/client.pem", keyFile: "\(Self.tls)/client.key"),
            connectionName: "production-external", recovery: .disabled)
        await (try await Connection.connect(external)).close()
        let (directory, key, certificate) = try foreignClientCertificate()
        defer { try? FileManager.default.removeItem(at: directory) }
        var foreign = external
        foreign.tls?.certificateFile = certificate
        foreign.tls?.keyFile = key
        await #expect(throws: AMQPError.self) { try await Connection.connect(foreign) }
    }
}
