import Testing

@testable import AWS
@testable import HTTP
@testable import Pipeline

/// RFC 4231's HMAC-SHA256 test cases 1, 2, 6 and 7 (short key, ASCII key, and keys longer than
/// the block, which are hashed first).
struct HMACSHA256Tests {
    @Test func matchesRFC4231ShortKeys() {
        let one = HMACSHA256.authenticate("Hi There", key: [UInt8](repeating: 0x0b, count: 20))
        #expect(SHA256.hex(bytes: one) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        let two = HMACSHA256.authenticate("what do ya want for nothing?", key: Array("Jefe".utf8))
        #expect(SHA256.hex(bytes: two) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func hashesKeysLongerThanTheBlockFirst() {
        let key = [UInt8](repeating: 0xaa, count: 131)
        let six = HMACSHA256.authenticate("Test Using Larger Than Block-Size Key - Hash Key First", key: key)
        #expect(SHA256.hex(bytes: six) == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        let seven = HMACSHA256.authenticate(
            "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
            key: key)
        #expect(SHA256.hex(bytes: seven) == "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2")
    }
}
