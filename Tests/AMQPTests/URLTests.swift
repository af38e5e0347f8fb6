import AMQP
import Testing

@Suite("amqp[s]:// URLs")
struct URLTests {
    @Test func full() throws {
        let c = try ConnectionConfiguration(url: "amqp://abh.berlin:p%40ss%2Fword@broker.example:5680/drehscheibe?heartbeat=15&connection_name=adapter")
        #expect(c.host == "broker.example")
        #expect(c.port == 5680)
        #expect(c.virtualHost == "drehscheibe")
        #expect(c.authentication == .plain(username: "abh.berlin", password: "p@ss/word"))
        #expect(c.heartbeat == 15)
        #expect(c.connectionName == "adapter")
        #expect(c.tls == nil)
        #expect(!c.redactedURL.contains("p@ss"))
    }

    @Test("several URLs name the nodes of one cluster; they must agree in all but host and port")
    func clusterNodes() throws {
        let c = try ConnectionConfiguration(
            url: "amqps://u:pw@localhost:5701/drehscheibe?cacertfile=/ca.pem, amqps://u:pw@localhost:5711/drehscheibe?cacertfile=/ca.pem,amqps://u:pw@node3:5721/drehscheibe?cacertfile=/ca.pem")
        #expect(c.endpoints == [.init(host: "localhost", port: 5701), .init(host: "localhost", port: 5711), .init(host: "node3", port: 5721)])
        #expect(c.tls?.caFile == "/ca.pem")
        #expect(c.redactedURL == "amqps://u@localhost:5701/drehscheibe +2")
        #expect(try ConnectionConfiguration(url: "amqp://h:1/v").endpoints.count == 1)
        for list in [
            "amqp://u:pw@a:1/v,amqp://u:other@b:2/v",  // another password
            "amqp://u:pw@a:1/v,amqp://u:pw@b:2/w",  // another virtual host
            "amqp://u:pw@a:1/v,amqps://u:pw@b:2/v",  // TLS on one node only
            "amqp://u:pw@a:1/v,",  // an empty entry
            Array(repeating: "amqp://h:1/v", count: 17).joined(separator: ","),
        ] {
            #expect(throws: AMQPError.self, "\(list)") { try ConnectionConfiguration(url: list) }
        }
    }

    @Test func defaults() throws {
        let c = try ConnectionConfiguration(url: "amqp://localhost")
        #expect(c.port == 5672)
        #expect(c.virtualHost == "/")
        #expect(c.authentication == .plain(username: "guest", password: "guest"))
        #expect(try ConnectionConfiguration(url: "amqp://h/%2F").virtualHost == "/")
        #expect(try ConnectionConfiguration(url: "amqp://h/").virtualHost == "/")
        #expect(try ConnectionConfiguration(url: "amqp://h/a%2Fb").virtualHost == "a/b")
    }

    @Test func tls() throws {
        let c = try ConnectionConfiguration(url: "amqps://h?cacertfile=/ca.pem&certfile=/c.pem&keyfile=/k.pem&auth_mechanism=external")
        #expect(c.port == 5671)
        #expect(c.tls == TLSConfiguration(caFile: "/ca.pem", certificateFile: "/c.pem", keyFile: "/k.pem"))
        #expect(c.authentication == .external)
        #expect(try ConnectionConfiguration(url: "amqps://h?verify=verify_none").tls?.verifyPeer == false)
    }

    @Test("bad URLs are refused with invalidConfiguration", arguments: [
        "http://h", "amqp://h/a/b", "amqp://h?heartbeat=-1", "amqp://h?cacertfile=/x", "amqp://h?bogus=1", "not a url",
    ])
    func invalid(url: String) {
        let error = #expect(throws: AMQPError.self) { try ConnectionConfiguration(url: url) }
        #expect(error?.code == .invalidConfiguration)
    }
}
