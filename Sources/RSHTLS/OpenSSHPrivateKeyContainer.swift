import RSHProtocol
/// The `openssh-key-v1` private-key file that `ssh-keygen` writes
/// (OpenSSH's PROTOCOL.key): PEM-like armor around
///
///     "openssh-key-v1\0"
///     string ciphername, string kdfname, string kdfoptions
///     uint32 number of keys (1), string public key blob
///     string private section: uint32 check, uint32 check (equal),
///            string "ssh-ed25519", string public key (32),
///            string private key (64: the seed, then the public key),
///            string comment, padding 1, 2, 3, ...
///
/// Only unencrypted files (cipher "none") are read: the private section of
/// an encrypted one needs a passphrase.
enum OpenSSHPrivateKeyContainer {
    static let beginLine = "-----BEGIN OPENSSH PRIVATE KEY-----"
    static let endLine = "-----END OPENSSH PRIVATE KEY-----"
    private static let magic = Array("openssh-key-v1".utf8) + [0]

    /// The Ed25519 seed (the RFC 8032 private key), its public key, and the comment.
    static func read(_ text: String) throws(KeyFormatError) -> (seed: [UInt8], publicKey: Ed25519PublicKey, comment: String) {
        guard let begin = text.firstRange(of: beginLine), let end = text.firstRange(of: endLine), begin.upperBound <= end.lowerBound,
              let bytes = Base64.decode(text[begin.upperBound..<end.lowerBound].filter { $0 != " " && $0 != "\t" }) else {
            throw .malformed("the OpenSSH key's base64 body is not readable")
        }
        guard bytes.starts(with: magic) else { throw .malformed("no openssh-key-v1 header") }
        var reader = SSHWireReader(Array(bytes.dropFirst(magic.count)))
        guard let cipher = reader.readText(), let kdf = reader.readText(), reader.readString() != nil else {
            throw .malformed("truncated header")
        }
        guard cipher == "none", kdf == "none" else { throw .passphraseProtected }
        guard let count = reader.readUInt32(), count == 1 else { throw .malformed("expected exactly one key") }
        guard let publicBlob = reader.readString(), let privateSection = reader.readString(), reader.isAtEnd else {
            throw .malformed("truncated key list")
        }
        guard let publicKey = Ed25519PublicKey(blob: publicBlob) else {
            let type = SSHWireReader(publicBlob).readTypeName() ?? "unknown"
            throw .notEd25519(type)
        }
        var secret = SSHWireReader(privateSection)
        guard let check = secret.readUInt32(), secret.readUInt32() == check else { throw .malformed("the check numbers differ") }
        guard secret.readText() == Ed25519PublicKey.typeName, let embedded = secret.readString(), let pair = secret.readString(),
              let comment = secret.readString() else {
            throw .malformed("truncated private section")
        }
        guard embedded == publicKey.bytes, pair.count == 64, Array(pair[32...]) == publicKey.bytes else {
            throw .malformed("the private key does not match its public key")
        }
        // The padding is 1, 2, 3, ... up to the cipher's block size.
        for (index, byte) in secret.remaining.enumerated() where byte != UInt8(index + 1) { throw .malformed("bad padding") }
        return (Array(pair[..<32]), publicKey, String(decoding: comment, as: UTF8.self))
    }
}

extension SSHWireReader {
    /// The first string of a key blob: its type name.
    fileprivate func readTypeName() -> String? {
        var copy = self
        return copy.readText()
    }
}
