import Foundation
@testable import Store
import Testing

@Suite("Password hashes and store locations")
struct PasswordHashTests {
    @Test func matchesTheRFC7914Vectors() {
        // RFC 7914 § 11: PBKDF2-HMAC-SHA256, first 32 bytes of the 64-byte outputs.
        let one = PasswordHash.derive(Array("passwd".utf8), salt: Array("salt".utf8), iterations: 1)
        #expect(hex(one) == "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc")
        let many = PasswordHash.derive(Array("Password".utf8), salt: Array("NaCl".utf8), iterations: 80_000)
        #expect(hex(many) == "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56")
    }

    @Test func verifiesWhatItMade() {
        let hash = PasswordHash.make("correct horse", iterations: 1_000)
        #expect(hash.hasPrefix("pbkdf2-sha256$1000$"))
        #expect(PasswordHash.verify("correct horse", against: hash))
        #expect(!PasswordHash.verify("correct hors", against: hash))
        #expect(!PasswordHash.verify("correct horse", against: "pbkdf2-sha256$1000$bad"))
        #expect(PasswordHash.make("x", iterations: 1_000) != PasswordHash.make("x", iterations: 1_000))
    }

    @Test func parsesStoreLocations() throws {
        #expect(try StoreLocation(parsing: "sqlite:.state/x.sqlite") == .sqlite(path: ".state/x.sqlite"))
        guard case .postgres(let pg) = try StoreLocation(parsing: "postgres://ops:s%40cret@db.example:6432/hub?schema=ops_1&sslmode=require") else {
            Issue.record("not postgres")
            return
        }
        #expect(pg.host == "db.example")
        #expect(pg.port == 6432)
        #expect(pg.username == "ops")
        #expect(pg.password == "s@cret")
        #expect(pg.database == "hub")
        #expect(pg.schema == "ops_1")
        #expect(pg.tls == .require)
        #expect(!pg.description.contains("cret"))
        #expect(throws: StoreError.self) { try StoreLocation(parsing: "postgres://ops@db/hub?schema=Robert');DROP") }
        #expect(throws: StoreError.self) { try StoreLocation(parsing: "mysql://x") }
        #expect(try StoreLocation.resolve(nil, environment: [:]) == .sqlite(path: ".state/drehscheibe.sqlite"))
        #expect(try StoreLocation.resolve(nil, environment: ["DREHSCHEIBE_STORE": "sqlite:/tmp/a"]) == .sqlite(path: "/tmp/a"))
    }

    func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
}
