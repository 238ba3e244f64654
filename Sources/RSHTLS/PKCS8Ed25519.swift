import RSHProtocol

/// The one PKCS#8 layout of an Ed25519 private key that `rsh keygen` and
/// `openssl genpkey -algorithm ED25519` write (RFC 8410, section 7): in PEM
/// "PRIVATE KEY", 48 bytes of DER, a fixed 16-byte prefix (version 0, the
/// algorithm id-Ed25519, an OCTET STRING holding an OCTET STRING) and the
/// 32-byte seed. Read here because libcrypto's PEM reader goes through
/// OpenSSL 3.0's decoder framework, which tries its decoders one by one:
/// ~1 ms of every `rsh` start over TLS, more than the rest of the key's use.
/// Any other layout (a PKCS#8 v2 key with its public half, other text around
/// the block, another algorithm) is left to libcrypto's reader.
enum PKCS8Ed25519 {
    static let prefix: [UInt8] = [0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
    private static let beginLine = Array("-----BEGIN PRIVATE KEY-----".utf8)
    private static let endLine = Array("-----END PRIVATE KEY-----".utf8)

    /// The seed, when `contents` is exactly one such block (blank space around it allowed); `nil` otherwise.
    static func seed(in contents: [UInt8]) -> [UInt8]? {
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        guard let first = contents.firstIndex(where: { !isSpace($0) }),
              let last = contents.lastIndex(where: { !isSpace($0) }) else { return nil }
        let block = contents[first...last]
        guard block.count > beginLine.count + endLine.count, block.starts(with: beginLine),
              block.suffix(endLine.count).elementsEqual(endLine) else { return nil }
        let body = block.dropFirst(beginLine.count).dropLast(endLine.count)
        guard let der = Base64.decode(String(decoding: body, as: UTF8.self)),
              der.count == prefix.count + 32, der.starts(with: prefix) else { return nil }
        return Array(der.dropFirst(prefix.count))
    }
}
