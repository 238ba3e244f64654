/// A strict RFC 8259 parser for frame headers. It never recurses deeper than
/// `maxDepth`, rejects duplicate keys (two `total_size` keys must not mean two
/// things to two implementations), lone surrogates and raw control
/// characters, and needs the input to be valid UTF-8 as a whole.
public struct JSONParser {
    public struct Failure: Error, Equatable, Sendable {
        public let message: String
        public let offset: Int
    }

    private let bytes: UnsafeRawBufferPointer
    private let maxDepth: Int
    private var position = 0

    /// Parses exactly one JSON value filling all of `bytes` (whitespace aside).
    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = Limits.maxJSONDepth) throws(Failure) -> JSONValue {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        let value = try parser.parseValue(depth: 1)
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw parser.failure("trailing bytes after the JSON value") }
        return value
    }

    public static func parse(_ bytes: [UInt8], maxDepth: Int = Limits.maxJSONDepth) throws(Failure) -> JSONValue {
        try bytes.withUnsafeBytes { raw in Result { () throws(Failure) in try parse(raw, maxDepth: maxDepth) } }.get()
    }

    private init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    private func failure(_ message: String) -> Failure { Failure(message: message, offset: position) }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
    }

    private mutating func parseValue(depth: Int) throws(Failure) -> JSONValue {
        skipWhitespace()
        guard let byte = current else { throw failure("unexpected end of JSON") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw failure("unexpected byte 0x\(String(byte, radix: 16)) in JSON")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(Failure) {
        let expected = UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        guard bytes.count - position >= expected.count,
              expected.elementsEqual(bytes[position..<position + expected.count]) else {
            throw failure("invalid literal in JSON")
        }
        position += expected.count
    }

    private mutating func parseObject(depth: Int) throws(Failure) -> JSONValue {
        guard depth <= maxDepth else { throw failure("JSON nested deeper than \(maxDepth)") }
        position += 1
        var object: [String: JSONValue] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") { position += 1; return .object(object) }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw failure("expected a string key in JSON object") }
            let key = try parseString()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw failure("expected ':' in JSON object") }
            position += 1
            let value = try parseValue(depth: depth + 1)
            guard object.updateValue(value, forKey: key) == nil else { throw failure("duplicate key \"\(key)\" in JSON object") }
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return .object(object)
            default: throw failure("expected ',' or '}' in JSON object")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(Failure) -> JSONValue {
        guard depth <= maxDepth else { throw failure("JSON nested deeper than \(maxDepth)") }
        position += 1
        var array: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { position += 1; return .array(array) }
        while true {
            array.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return .array(array)
            default: throw failure("expected ',' or ']' in JSON array")
            }
        }
    }

    private mutating func parseNumber() throws(Failure) -> JSONValue {
        let start = position
        var isInteger = true
        if current == UInt8(ascii: "-") { position += 1 }
        guard let first = current, isDigit(first) else { throw failure("invalid number in JSON") }
        position += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if current == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard let digit = current, isDigit(digit) else { throw failure("invalid number in JSON") }
            skipDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard let digit = current, isDigit(digit) else { throw failure("invalid number in JSON") }
            skipDigits()
        }
        // The text is ASCII digits and signs, so decoding cannot fail or change it.
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if isInteger, let value = Int64(text) { return .integer(value) }
        guard let value = Double(text) else { throw failure("invalid number in JSON") }
        return .number(value)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        while let byte = current, isDigit(byte) { position += 1 }
    }

    private mutating func parseString() throws(Failure) -> String {
        position += 1
        let start = position
        // Fast path: no escapes, the common case for headers.
        while let byte = current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
            guard byte >= 0x20 else { throw failure("unescaped control character in JSON string") }
            position += 1
        }
        guard let stop = current else { throw failure("unterminated JSON string") }
        guard let prefix = String(validating: bytes[start..<position], as: UTF8.self) else {
            throw failure("invalid UTF-8 in JSON string")
        }
        if stop == UInt8(ascii: "\"") {
            position += 1
            return prefix
        }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: prefix.unicodeScalars)
        var utf8Run: [UInt8] = []
        func flushRun() throws(Failure) {
            if utf8Run.isEmpty { return }
            guard let text = String(validating: utf8Run, as: UTF8.self) else { throw failure("invalid UTF-8 in JSON string") }
            scalars.append(contentsOf: text.unicodeScalars)
            utf8Run.removeAll(keepingCapacity: true)
        }
        while true {
            guard let byte = current else { throw failure("unterminated JSON string") }
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                try flushRun()
                return String(scalars)
            case UInt8(ascii: "\\"):
                try flushRun()
                scalars.append(try parseEscape())
            case 0..<0x20:
                throw failure("unescaped control character in JSON string")
            default:
                utf8Run.append(byte)
            }
        }
    }

    private mutating func parseEscape() throws(Failure) -> Unicode.Scalar {
        guard let byte = current else { throw failure("unterminated escape in JSON string") }
        position += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try parseHex4()
            if (0xD800...0xDBFF).contains(unit) {
                guard current == UInt8(ascii: "\\"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u") else {
                    throw failure("lone surrogate in JSON string")
                }
                position += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw failure("lone surrogate in JSON string") }
                return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!
            }
            guard let scalar = Unicode.Scalar(unit) else { throw failure("lone surrogate in JSON string") }
            return scalar
        default:
            throw failure("invalid escape in JSON string")
        }
    }

    private mutating func parseHex4() throws(Failure) -> UInt32 {
        guard bytes.count - position >= 4 else { throw failure("short \\u escape in JSON string") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("invalid \\u escape in JSON string")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }
}
