import AMQP
import Foundation
import Testing
import TestSupport

@Suite("TLS")
struct TLSTests {
    func configuration(ca: String, clientCertificate: Bool = false) throws -> ConnectionConfiguration {
        let plain = try ConnectionConfiguration(url: TestBroker.url(vhost: "drehscheibe"))
        let tls = TestBroker.tlsDirectory.path
        return ConnectionConfiguration(
            host: "localhost", port: try TestBroker.amqpsPort(), virtualHost: "drehscheibe",
            authentication: plain.authentication,
            tls: TLSConfiguration(
                caFile: ca, certificateFile: clientCertificate ? "\(tls)/client.pem" : nil,
                keyFile: clientCertificate ? "\(tls)/client.key" : nil, verifyPeer: true, verifyHostname: true),
            connectionName: "tls-test", recovery: .disabled)
    }

    @Test("a connection that verifies the broker against the right CA succeeds")
    func verifiedPeer() async throws {
        let connection = try await Connection.connect(configuration(ca: "\(TestBroker.tlsDirectory.path)/ca.pem"))
        let channel = try await connection.openChannel()
        let queue = uniqueName("tls")
        try await channel.declareQueue(queue, durable: false, exclusive: true)
        try await channel.publish(Message("over TLS"), exchange: "", routingKey: queue)
        #expect(try await channel.get(queue: queue, autoAck: true)?.delivery.body == Array("over TLS".utf8))
        await connection.close()
    }

    @Test("a connection against a wrong CA fails clearly")
    func wrongCA() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("drehscheibe-wrong-ca-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let openssl = try Command.run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=Some other CA",
            "-keyout", directory.appendingPathComponent("other.key").path,
            "-out", directory.appendingPathComponent("other.pem").path,
        ])
        #expect(openssl.status == 0)

        let error = await #expect(throws: AMQPError.self) {
            try await Connection.connect(configuration(ca: directory.appendingPathComponent("other.pem").path))
        }
        #expect(error?.code == .tlsFailed)
        #expect(error?.libraryStatus != nil)
        #expect("\(error!)".contains("tls-failed"))
    }

    @Test("SASL EXTERNAL logs in as the client certificate's common name")
    func externalLogin() async throws {
        var configuration = try configuration(ca: "\(TestBroker.tlsDirectory.path)/ca.pem", clientCertificate: true)
        configuration.authentication = .external
        configuration.virtualHost = "/"
        let connection = try await Connection.connect(configuration)
        let channel = try await connection.openChannel()
        // The certificate user may only touch tls.* resources: its identity is the CN.
        let queue = "tls.\(UUID().uuidString.prefix(8))"
        try await channel.declareQueue(queue, durable: false, exclusive: true)
        try await channel.publish(
            Message("from the certificate user", properties: BasicProperties(userID: "drehscheibe-tls-client")),
            exchange: "", routingKey: queue)
        #expect(try await channel.get(queue: queue, autoAck: true)?.delivery.properties.userID == "drehscheibe-tls-client")
        await connection.close()
    }

    @Test("wrong credentials fail with authenticationFailed and the broker's reply")
    func wrongPassword() async throws {
        var configuration = try ConnectionConfiguration(url: TestBroker.url(vhost: "drehscheibe"))
        configuration.authentication = .plain(username: "drehscheibe-admin", password: "not-the-password")
        configuration.recovery = .disabled
        let error = await #expect(throws: AMQPError.self) { try await Connection.connect(configuration) }
        #expect(error?.code == .authenticationFailed)
        #expect(error?.replyCode == 403)
        #expect(!"\(error!)".contains("not-the-password"))
    }
}
