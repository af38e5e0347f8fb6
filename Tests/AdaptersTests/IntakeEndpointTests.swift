@testable import Adapters
import CaseModel
import Foundation
import Testing

/// The HTTP intake's door: who may post (the token), who may not (browsers), where it listens.
@Suite("Adapter HTTP intake: token, browsers, loopback")
struct IntakeEndpointTests {
    static let token = IntakeToken(value: String(repeating: "a1", count: 32), file: URL(fileURLWithPath: "/dev/null"))
    static let bearer = "Bearer " + String(repeating: "a1", count: 32)

    @Test("admission: the right bearer token without browser headers is admitted; health needs no token")
    func admitted() {
        #expect(IntakeEndpoint.admission(origin: nil, fetchSite: nil, authorization: Self.bearer, token: Self.token) == .admitted)
        #expect(IntakeEndpoint.admission(origin: nil, fetchSite: nil, authorization: "bearer  " + String(repeating: "a1", count: 32), token: Self.token) == .admitted)
        #expect(IntakeEndpoint.admission(origin: nil, fetchSite: "none", authorization: Self.bearer, token: Self.token) == .admitted)
        #expect(IntakeEndpoint.admission(origin: nil, fetchSite: nil, authorization: nil, token: nil) == .admitted)
    }

    @Test("admission: a missing, foreign-scheme or wrong token is unauthenticated")
    func unauthenticated() {
        #expect(IntakeEndpoint.admission(origin: nil, fetchSite: nil, authorization: nil, token: Self.token) == .unauthenticated(.missingAuthorization))
        #expect(IntakeEndpoint.admission(origin: nil, fetchSite: nil, authorization: "Basic YWJoOnNlY3JldA==", token: Self.token) == .unauthenticated(.notBearer))
        #expect(IntakeEndpoint.admission(origin: nil, fetchSite: nil, authorization: "Bearer", token: Self.token) == .unauthenticated(.notBearer))
        #expect(IntakeEndpoint.admission(origin: nil, fetchSite: nil, authorization: Self.bearer + "0", token: Self.token) == .unauthenticated(.wrongToken))
        #expect(IntakeEndpoint.admission(origin: nil, fetchSite: nil, authorization: "Bearer x", token: Self.token) == .unauthenticated(.wrongToken))
    }

    @Test("admission: a request with Origin or a cross-site/same-site/same-origin Sec-Fetch-Site is a browser's, token or not")
    func browsers() {
        #expect(IntakeEndpoint.admission(origin: "https://evil.example", fetchSite: nil, authorization: Self.bearer, token: Self.token) == .browser(.originPresent))
        #expect(IntakeEndpoint.admission(origin: "null", fetchSite: nil, authorization: nil, token: nil) == .browser(.originPresent))
        for site in ["cross-site", "same-site", "same-origin"] {
            #expect(IntakeEndpoint.admission(origin: nil, fetchSite: site, authorization: Self.bearer, token: Self.token) == .browser(.fetchSite(site)))
        }
    }

    @Test("token: generated once into the state directory with mode 0600, 64 hex digits, the same on every later start")
    func generatedToken() throws {
        let state = temporaryDirectory("token")
        defer { try? FileManager.default.removeItem(at: state) }
        let first = try IntakeToken.load(configured: nil, state: state)
        #expect(first.file == state.appendingPathComponent("http-token"))
        let attributes = try FileManager.default.attributesOfItem(atPath: first.file.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let value = try String(contentsOf: first.file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(value.count == 64 && value.allSatisfy(\.isHexDigit))
        #expect(first.matches(value) && !first.matches(value + "0") && !first.matches(""))
        #expect(!"\(first)".contains(value), "the description never shows the token")
        let again = try IntakeToken.load(configured: nil, state: state)
        #expect(again.matches(value), "kept across starts")
        let other = try IntakeToken.load(configured: nil, state: temporaryDirectory("token"))
        #expect(!other.matches(value), "each adapter has its own")
    }

    @Test("token: a configured file is used as it is; a short token or a missing file is refused")
    func configuredToken() throws {
        let directory = temporaryDirectory("token")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("bka.token")
        let value = "k7-" + String(repeating: "Zq9", count: 12)
        try Data((value + "\n").utf8).write(to: file)
        let token = try IntakeToken.load(configured: file, state: directory.appendingPathComponent("state"))
        #expect(token.matches(value))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("state/http-token").path), "nothing generated")
        try Data("short\n".utf8).write(to: file)
        #expect { _ = try IntakeToken.load(configured: file, state: directory) } throws: { error in
            (error as? AdapterError)?.code == .configuration && "\(error)".contains("shorter than 32")
        }
        #expect(throws: AdapterError.self) { _ = try IntakeToken.load(configured: directory.appendingPathComponent("missing"), state: directory) }
    }

    @Test("binding: loopback by default; any other address only when allowed explicitly")
    func binding() {
        for host in ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST"] {
            #expect(IntakeEndpoint.binding(host: host, allowNonLoopback: false) == .loopback, "\(host)")
        }
        for host in ["0.0.0.0", "::", "10.1.2.3", "128.0.0.1", "::ffff:10.0.0.1", "intake.example", "localhost.evil.example"] {
            #expect(IntakeEndpoint.binding(host: host, allowNonLoopback: false) == .refused(host: host), "\(host)")
            #expect(IntakeEndpoint.binding(host: host, allowNonLoopback: true) == .nonLoopbackAllowed, "\(host)")
        }
    }

    @Test("configuration: a non-loopback host is refused unless allowNonLoopback; tokenFile is read relative to the directory")
    func configuration() throws {
        let directory = temporaryDirectory("config")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("bka.json")
        func write(_ http: String) throws {
            try Data(#"{"agency": "bka", "directory": "files", "http": \#(http)}"#.utf8).write(to: file)
        }
        try write(#"{"host": "0.0.0.0", "port": 8424}"#)
        #expect { _ = try AdapterConfiguration.load(from: file, base: directory) } throws: { error in
            (error as? AdapterError)?.code == .configuration && "\(error)".contains("allowNonLoopback")
        }
        try write(#"{"host": "0.0.0.0", "port": 8424, "allowNonLoopback": true, "tokenFile": "secrets/intake.token"}"#)
        let allowed = try AdapterConfiguration.load(from: file, base: directory)
        #expect(allowed.httpHost == "0.0.0.0" && allowed.httpAllowNonLoopback)
        #expect(allowed.httpTokenFile?.path == directory.appendingPathComponent("files/secrets/intake.token").path)
        try write(#"{"port": 8424}"#)
        let defaults = try AdapterConfiguration.load(from: file, base: directory)
        #expect(defaults.httpHost == "127.0.0.1" && !defaults.httpAllowNonLoopback && defaults.httpTokenFile == nil)
        #expect(try defaults.intakeToken()?.file.path == directory.appendingPathComponent("files/state/http-token").path)
    }
}
