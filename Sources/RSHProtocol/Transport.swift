/// What carries a server connection's bytes, told by the first byte the
/// client sends (PROTOCOL.md, section 2): 0x16 begins a TLS handshake
/// record; anything else is in clear (0x00 begins the v1 preface, any other
/// byte a classic command).
public enum Transport: String, Hashable, Sendable {
    case tls
    case plain

    /// The content type of a TLS record that carries a handshake message (RFC 8446, section 5.1).
    public static let tlsHandshakeRecord: UInt8 = 0x16

    public init(firstByte: UInt8) {
        self = firstByte == Self.tlsHandshakeRecord ? .tls : .plain
    }
}
