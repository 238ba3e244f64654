/// Why bytes are not a usable Ed25519 private key: one line for the user.
public enum KeyFormatError: Error, Hashable, Sendable, CustomStringConvertible {
    /// An encrypted PEM or OpenSSH key: this needs its passphrase, which rsh does not ask for.
    case passphraseProtected
    /// A private key of another type (`RSA`, `EC`, ...).
    case notEd25519(String)
    /// Neither PEM PKCS#8 nor `openssh-key-v1`.
    case unrecognized
    /// The right format, with wrong contents.
    case malformed(String)
    /// libcrypto could not do what was asked (out of memory, most likely).
    case libcrypto(String)

    public var description: String {
        switch self {
        case .passphraseProtected:
            return "is protected by a passphrase, which rsh cannot use; make a key without one (rsh keygen, or ssh-keygen -t ed25519 -N '')"
        case .notEd25519(let type): return "is a \(type) key; rsh uses Ed25519 keys only (rsh keygen)"
        case .unrecognized: return "is not a private key (expected PEM PKCS#8, as rsh keygen writes, or an OpenSSH private key)"
        case .malformed(let reason): return "is damaged: \(reason)"
        case .libcrypto(let reason): return "could not be used: \(reason)"
        }
    }
}
