import Store
import Testing

@Suite("Content digests (pure)")
struct ContentDigestTests {
    @Test("SHA-256 in lowercase hex, two digits per byte (the FIPS 180-2 vectors)")
    func knownVectors() {
        #expect(ContentDigest.sha256(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(ContentDigest.sha256([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(ContentDigest.hex([0x00, 0x0f, 0xf0, 0xff]) == "000ff0ff")
    }
}
