@testable import Adapters
import Testing

@Suite("SHA-256 and derived message ids")
struct SHA256Tests {
    @Test("matches the FIPS 180-4 test vectors")
    func vectors() {
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex(Array(repeating: UInt8(ascii: "a"), count: 1_000_000))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("derived ids are stable, distinct and RFC 9562 version 8 UUIDs")
    func derivedIDs() {
        let a = MessageID.derived(from: Array("abh.berlin\u{0}document\u{0}0".utf8))
        let b = MessageID.derived(from: Array("abh.berlin\u{0}document\u{0}1".utf8))
        #expect(a == MessageID.derived(from: Array("abh.berlin\u{0}document\u{0}0".utf8)))
        #expect(a != b)
        #expect(a.range(of: "^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", options: .regularExpression) != nil)
    }
}

import Foundation
