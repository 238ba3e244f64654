import RSHProtocol
/// An Ed25519 public key: the 32 bytes of RFC 8032, which is what a peer's
/// certificate carries, what known_hosts and authorized_keys list, and what
/// the peers are compared by.
public struct Ed25519PublicKey: Hashable, Sendable, CustomStringConvertible {
    public static let length = 32
    /// The key type's name in OpenSSH's formats.
    public static let typeName = "ssh-ed25519"

    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.length else { return nil }
        self.bytes = bytes
    }

    /// The key as OpenSSH encodes it (`sshkey.c`): `string "ssh-ed25519"`, `string key`.
    public var blob: [UInt8] {
        var writer = SSHWireWriter()
        writer.appendString(Self.typeName)
        writer.appendString(bytes)
        return writer.bytes
    }

    /// Reads an OpenSSH key blob; `nil` unless it is exactly an Ed25519 one.
    public init?(blob: [UInt8]) {
        var reader = SSHWireReader(blob)
        guard reader.readText() == Self.typeName, let key = reader.readString(), reader.isAtEnd else { return nil }
        self.init(bytes: key)
    }

    /// `SHA256:` and the unpadded base64 of the SHA-256 of the blob: what
    /// `ssh-keygen -l` prints.
    public var fingerprint: String { "SHA256:" + Base64.encode(SHA256.digest(blob), padded: false) }

    /// One OpenSSH public-key line: `ssh-ed25519 AAAA... comment`.
    public func openSSHLine(comment: String = "") -> String {
        Self.typeName + " " + Base64.encode(blob) + (comment.isEmpty ? "" : " " + comment)
    }

    public var description: String { fingerprint }
}
