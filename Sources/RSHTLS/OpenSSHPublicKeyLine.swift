import RSHProtocol
/// One line of an OpenSSH public-key file (`id_ed25519.pub`), or the key
/// part of an authorized_keys or known_hosts line: `TYPE BASE64 [COMMENT]`.
public struct OpenSSHPublicKeyLine: Hashable, Sendable {
    public enum Problem: Error, Hashable, Sendable, CustomStringConvertible {
        /// A key of another type (`ssh-rsa`, `ecdsa-sha2-nistp256`, ...): not usable here.
        case unsupportedType(String)
        /// Not `TYPE BASE64 [COMMENT]` at all, or the base64 is not a key of its type.
        case malformed(String)

        public var description: String {
            switch self {
            case .unsupportedType(let type): return "a \(type) key (only ssh-ed25519 keys are used)"
            case .malformed(let reason): return reason
            }
        }
    }

    public let key: Ed25519PublicKey
    /// What follows the key, often `user@host`; empty when there is none.
    public let comment: String

    public init(key: Ed25519PublicKey, comment: String) {
        self.key = key
        self.comment = comment
    }

    /// Parses `TYPE BASE64 [COMMENT]`; the fields are separated by spaces or tabs.
    public init(parsing text: Substring) throws(Problem) {
        let fields = text.split(maxSplits: 2, omittingEmptySubsequences: true) { $0 == " " || $0 == "\t" }
        guard fields.count >= 2 else { throw .malformed("expected a key type and a base64 key") }
        let type = String(fields[0])
        guard let blob = Base64.decode(fields[1]) else { throw .malformed("the key is not valid base64") }
        guard type == Ed25519PublicKey.typeName else {
            // Another type, as long as the line looks like a key line of that type.
            throw .unsupportedType(type)
        }
        guard let key = Ed25519PublicKey(blob: blob) else { throw .malformed("the base64 is not an ssh-ed25519 key") }
        self.key = key
        comment = fields.count > 2 ? String(fields[2].trimmingSpaces) : ""
    }

    public var text: String { key.openSSHLine(comment: comment) }
}

extension Substring {
    /// Without spaces, tabs and carriage returns at either end (as key files' lines are read).
    public var trimmingSpaces: Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" || first == "\r" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text = text.dropLast() }
        return text
    }
}
