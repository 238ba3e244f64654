import RSHSystem
import RSHTLS

/// An Ed25519 private key in a file: a user's identity (`~/.rsh/id_ed25519`,
/// or ssh-keygen's `~/.ssh/id_ed25519`) or a server's host key
/// (`~/.rsh/host_ed25519`). Written as PEM PKCS#8 with mode 0600, its public
/// half beside it as one OpenSSH line (`FILE.pub`), so that it pastes into
/// authorized_keys as users are used to.
public enum IdentityFile {
    /// Reads a private key: PEM PKCS#8 or unencrypted OpenSSH, private to its owner.
    public static func load(_ path: String) throws(KeyFileError) -> Ed25519PrivateKey {
        let contents = try ProtectedFile.read(path, "the key file")
        do {
            return try Ed25519PrivateKey(fileContents: contents)
        } catch {
            throw KeyFileError("the key file \(path) \(error)")
        }
    }

    /// Makes a new key pair: `path` (0600) and `path.pub` (0644, one line
    /// ending in `comment`). Neither file may exist yet.
    public static func generate(_ path: String, comment: String = defaultComment) throws(KeyFileError) -> Ed25519PrivateKey {
        let publicPath = path + ".pub"
        guard (try? FileStatus(path: publicPath)) == nil else { throw KeyFileError("\(publicPath) already exists; keys are never overwritten") }
        try RSHPaths.createDirectory(for: path)
        let key: Ed25519PrivateKey
        do {
            key = try Ed25519PrivateKey.generate()
        } catch {
            throw KeyFileError("cannot make a key: \(error)")
        }
        try ProtectedFile.create(path, key.pemPKCS8, "the key file")
        try ProtectedFile.create(publicPath, Array((key.publicKey.openSSHLine(comment: comment) + "\n").utf8), mode: 0o644,
                                 "the public key file")
        return key
    }

    /// A server's host key: read, or made (with mode 0600) when the file does
    /// not exist. Two servers starting at once make one key between them.
    public static func loadOrCreate(_ path: String) throws(KeyFileError) -> (key: Ed25519PrivateKey, created: Bool) {
        if (try? FileStatus(path: path)) == nil {
            try RSHPaths.createDirectory(for: path)
            do {
                let key = try Ed25519PrivateKey.generate()
                try createFileAtomically(path, mode: 0o600, key.pemPKCS8)
                return (key, true)
            } catch let error as Errno where error == .fileExists {
                // Another server made it first: use that one.
            } catch {
                throw KeyFileError("cannot make the host key \(path): \(error)")
            }
        }
        return (try load(path), false)
    }

    /// `user@host`, as ssh-keygen comments its keys.
    public static var defaultComment: String { "\(ProcessIdentity.userName)@\(ProcessIdentity.hostName)" }

    /// "256 SHA256:... comment (ED25519)": what `ssh-keygen -l -f FILE.pub` prints for the key.
    public static func fingerprintLine(_ key: Ed25519PublicKey, comment: String) -> String {
        "256 \(key.fingerprint) \(comment.isEmpty ? "no comment" : comment) (ED25519)"
    }
}
