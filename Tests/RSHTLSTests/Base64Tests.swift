import RSHTLS
import Testing

@Suite("Base64 (RFC 4648)")
struct Base64Tests {
    @Test("the RFC 4648 test vectors, padded and not", arguments: [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ])
    func vectors(_ plain: String, _ encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(Base64.encode(Array(plain.utf8), padded: false) == encoded.filter { $0 != "=" })
        #expect(Base64.decode(encoded) == Array(plain.utf8))
        #expect(Base64.decode(encoded.filter { $0 != "=" }) == Array(plain.utf8))
    }

    @Test("random bytes survive a round trip, with line breaks in the text")
    func roundTrip() {
        var generator = SystemRandomNumberGenerator()
        for count in 0..<200 {
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let text = Base64.encode(bytes)
            #expect(Base64.decode(text) == bytes)
            let wrapped = stride(from: 0, to: text.count, by: 70).map { String(Array(text)[$0..<min(text.count, $0 + 70)]) }
                .joined(separator: "\n")
            #expect(Base64.decode(wrapped) == bytes)
        }
    }

    @Test("what is not base64 is nil", arguments: ["Zg=", "Zm9v=", "Z", "Zm9v!", "Zg==Zg==", "Zh==", "Zm9=", "===="])
    func invalid(_ text: String) {
        #expect(Base64.decode(text) == nil)
    }
}
