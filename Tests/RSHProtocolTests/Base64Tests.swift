import Foundation
import RSHProtocol
import Testing

/// Base64 against RFC 4648's vectors and Foundation's encoder.
@Suite("Base64")
struct Base64Tests {
    @Test("RFC 4648 test vectors, padded and unpadded", arguments: [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ])
    func vectors(_ plain: String, _ encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(Base64.encode(Array(plain.utf8), padded: false) == encoded.replacingOccurrences(of: "=", with: ""))
        #expect(Base64.decode(encoded) == Array(plain.utf8))
        #expect(Base64.decode(encoded.replacingOccurrences(of: "=", with: "")) == Array(plain.utf8))
    }

    @Test("random bytes agree with Foundation both ways")
    func random() {
        var generator = SystemRandomNumberGenerator()
        for count in 0..<200 {
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let foundation = Data(bytes).base64EncodedString()
            #expect(Base64.encode(bytes) == foundation)
            #expect(Base64.decode(foundation) == bytes)
        }
    }

    @Test("random bytes survive a round trip, with line breaks in the text (as PEM wraps it)")
    func wrapped() {
        var generator = SystemRandomNumberGenerator()
        for count in 0..<200 {
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let text = Base64.encode(bytes)
            let lines = stride(from: 0, to: text.count, by: 70).map { String(Array(text)[$0..<min(text.count, $0 + 70)]) }
            #expect(Base64.decode(lines.joined(separator: "\n")) == bytes)
        }
    }

    @Test("text that is not canonical base64 is refused",
          arguments: ["Z", "Zg=", "Zm9v=", "Z===", "Zh==", "Zm9=", "Zm9=v", "Zm9v!", "Zg==Zg==", "===="])
    func invalid(_ text: String) {
        #expect(Base64.decode(text) == nil)
    }
}
