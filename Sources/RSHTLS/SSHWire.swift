/// The encoding OpenSSH uses for key blobs and its private-key container
/// (RFC 4251, section 5): `uint32` big-endian, and `string` as a `uint32`
/// length then the bytes.
struct SSHWireWriter {
    private(set) var bytes: [UInt8] = []

    mutating func appendUInt32(_ value: UInt32) {
        bytes += [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    mutating func appendString(_ value: [UInt8]) {
        appendUInt32(UInt32(value.count))
        bytes += value
    }

    mutating func appendString(_ value: String) { appendString(Array(value.utf8)) }
}

/// Reads what `SSHWireWriter` writes; every read is bounds-checked, and a
/// short or lying length is `nil`, never a crash.
struct SSHWireReader {
    private let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset == bytes.count }
    var remaining: ArraySlice<UInt8> { bytes[offset...] }

    mutating func readUInt32() -> UInt32? {
        guard bytes.count - offset >= 4 else { return nil }
        defer { offset += 4 }
        return bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func readString() -> [UInt8]? {
        let start = offset
        guard let length = readUInt32(), bytes.count - offset >= Int(length) else {
            offset = start
            return nil
        }
        defer { offset += Int(length) }
        return Array(bytes[offset..<offset + Int(length)])
    }

    mutating func readText() -> String? {
        readString().flatMap { String(validating: $0, as: UTF8.self) }
    }

    mutating func readBytes(_ count: Int) -> [UInt8]? {
        guard bytes.count - offset >= count else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }
}
