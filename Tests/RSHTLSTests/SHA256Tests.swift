import Foundation
import RSHProtocol
import RSHSpawn
import RSHSystem
import RSHTestSupport
import RSHTLS
import Testing

@Suite("SHA-256")
struct SHA256Tests {
    /// FIPS 180-2, appendix B, and the empty message.
    @Test("the FIPS 180-2 examples and the empty message", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func examples(_ text: String, _ expected: String) {
        #expect(Hex.encode(SHA256.digest(Array(text.utf8))) == expected)
    }

    @Test("a million a's, fed in uneven pieces, is the one-shot digest")
    func incremental() {
        let hasher = SHA256()
        var fed = 0
        var piece = 1
        while fed < 1_000_000 {
            let count = min(piece, 1_000_000 - fed)
            hasher.update([UInt8](repeating: 0x61, count: count))
            fed += count
            piece = piece * 3 + 1
        }
        #expect(Hex.encode(hasher.finish()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("agrees with sha256sum on random bytes")
    func sha256sum() throws {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<10 {
            let message = (0..<Int.random(in: 0...300_000, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let path = ScratchSpace.path("sha256-\(round)")
            try Data(message).write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            let tool = try ChildProcess.run(CommandSpec(.argv(["sha256sum", path])))
            #expect(tool.result.status == .exited(0))
            #expect(Hex.encode(SHA256.digest(message)) == String(String(decoding: tool.stdout, as: UTF8.self).prefix(64)), "round \(round)")
        }
    }
}
