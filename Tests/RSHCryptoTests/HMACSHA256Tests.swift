import Foundation
import RSHCrypto
import RSHProtocol
import RSHSpawn
import RSHSystem
import RSHTestSupport
import Testing

func hexString(_ bytes: [UInt8]) -> String { Hex.encode(bytes) }

/// RFC 4231, section 4: HMAC-SHA-256 test cases 1-7.
struct RFC4231Case: CustomTestStringConvertible, Sendable {
    let number: Int
    let key: [UInt8]
    let data: [UInt8]
    let expected: String
    var testDescription: String { "RFC 4231 test case \(number)" }
}

let rfc4231: [RFC4231Case] = [
    .init(number: 1, key: Array(repeating: 0x0B, count: 20), data: Array("Hi There".utf8),
          expected: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    .init(number: 2, key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8),
          expected: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    .init(number: 3, key: Array(repeating: 0xAA, count: 20), data: Array(repeating: 0xDD, count: 50),
          expected: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
    .init(number: 4, key: Array(1...25), data: Array(repeating: 0xCD, count: 50),
          expected: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
    // Case 5 specifies only the first 128 bits of the output.
    .init(number: 5, key: Array(repeating: 0x0C, count: 20), data: Array("Test With Truncation".utf8),
          expected: "a3b6167473100ee06e0c796c2955552b"),
    .init(number: 6, key: Array(repeating: 0xAA, count: 131),
          data: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
          expected: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    .init(number: 7, key: Array(repeating: 0xAA, count: 131),
          data: Array("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".utf8),
          expected: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
]

@Suite("HMAC-SHA256 from libcrypto")
struct HMACSHA256Tests {
    @Test("RFC 4231 test cases", arguments: rfc4231)
    func rfc4231Cases(_ vector: RFC4231Case) {
        let tag = HMACSHA256.authenticate(key: vector.key, message: vector.data)
        #expect(tag.count == 32)
        #expect(hexString(Array(tag.prefix(vector.expected.count / 2))) == vector.expected)
    }

    @Test("a message in parts gives the tag of the whole; the context can be reused")
    func parts() {
        let authenticator = HMACSHA256(key: Array("key".utf8))
        let whole = authenticator.authenticate([Array("hello, world".utf8)])
        #expect(authenticator.authenticate([Array("hello".utf8), Array(", ".utf8), [], Array("world".utf8)]) == whole)
        #expect(authenticator.authenticate([Array("hello, world".utf8)]) == whole)
        #expect(authenticator.verify(whole, [Array("hello, world".utf8)]))
        var flipped = whole
        flipped[31] ^= 1
        #expect(!authenticator.verify(flipped, [Array("hello, world".utf8)]))
        #expect(!authenticator.verify(Array(whole.prefix(31)), [Array("hello, world".utf8)]))
    }

    @Test("agrees with the openssl command line on random keys and messages")
    func openssl() throws {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<20 {
            let key = (0..<Int.random(in: 1...200, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let message = (0..<Int.random(in: 0...5000, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let path = NSTemporaryDirectory() + "rsh-hmac-\(ProcessIdentity.processID)-\(round)"
            try Data(message).write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            // Run with our own spawn layer: Foundation's Process watches SIGCHLD
            // for the whole test process, which the other tests' reaping must not race with.
            let openssl = try ChildProcess.run(CommandSpec(.argv(["openssl", "dgst", "-sha256", "-mac", "HMAC",
                                                                   "-macopt", "hexkey:" + hexString(key), "-r", path])))
            #expect(openssl.result.status == .exited(0))
            let expected = String(String(decoding: openssl.stdout, as: UTF8.self).prefix { $0 != " " })
            #expect(hexString(HMACSHA256.authenticate(key: key, message: message)) == expected, "round \(round)")
        }
    }

    @Test("constant-time comparison compares")
    func comparison() {
        #expect(constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEqual([1, 2, 3], [1, 2]))
        #expect(constantTimeEqual([], []))
    }
}
