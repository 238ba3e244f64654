import RSHProtocol
import Testing

@Suite("JSON parser")
struct JSONParserTests {
    func parse(_ text: String) throws(JSONParser.Failure) -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    @Test("integers stay exact; other numbers are doubles")
    func numbers() throws {
        #expect(try parse("9223372036854775807") == .integer(Int64.max))
        #expect(try parse("-9223372036854775808") == .integer(Int64.min))
        #expect(try parse("9223372036854775808") == .number(9_223_372_036_854_775_808))
        #expect(try parse("1.5") == .number(1.5))
        #expect(try parse("-0") == .integer(0))
        #expect(try parse("2E3") == .number(2000))
        #expect(try parse("1e400") == .number(.infinity))
        for bad in ["01", "1.", ".5", "+1", "1e", "-", "0x10", "NaN", "Infinity"] {
            #expect(throws: JSONParser.Failure.self, "\(bad)") { try parse(bad) }
        }
    }

    @Test("strings: escapes, surrogate pairs, and what is refused")
    func strings() throws {
        #expect(try parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{8}\u{C}\n\r\t"))
        #expect(try parse(#""\u00e9\u4F60\ud83d\ude00""#) == .string("é你😀"))
        #expect(try parse("\"é你😀\"") == .string("é你😀"))
        for bad in [#""\ud800""#, #""\udc00""#, #""\ud800\u0041""#, #""\x""#, #""\u12""#, "\"a\u{01}\"", "\"open"] {
            #expect(throws: JSONParser.Failure.self, "\(bad)") { try parse(bad) }
        }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test("depth is limited without recursing into the rest")
    func depth() throws {
        let limit = Limits.maxJSONDepth
        #expect(throws: Never.self) { try parse(String(repeating: "[", count: limit) + String(repeating: "]", count: limit)) }
        #expect(throws: JSONParser.Failure.self) {
            try parse(String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1))
        }
        #expect(throws: JSONParser.Failure.self) { try parse(String(repeating: "[", count: 100_000)) }
        #expect(throws: JSONParser.Failure.self) { try parse(String(repeating: "{\"a\":", count: 100_000)) }
    }

    @Test("objects: duplicates refused, many keys fine")
    func objects() throws {
        #expect(throws: JSONParser.Failure.self) { try parse(#"{"a":1,"a":1}"#) }
        let many = "{" + (0..<50_000).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}"
        guard case .object(let members) = try parse(many) else { Issue.record("not an object"); return }
        #expect(members.count == 50_000)
        #expect(members["k49999"] == .integer(49_999))
    }

    @Test("writer output parses back to the same value")
    func writerRoundTrip() throws {
        let value: JSONValue = .object(["s": "q\"\\\n\u{1}é😀", "n": .integer(-5), "b": true, "z": .null,
                                        "a": .array([.number(1.5), .object(["x": "y"])])])
        var bytes: [UInt8] = []
        JSONWriter.append(value, to: &bytes)
        #expect(try JSONParser.parse(bytes) == value)
    }
}
