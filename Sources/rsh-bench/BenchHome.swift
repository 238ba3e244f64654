import RemoteShell
import RSHSystem
import RSHTestSupport
import RSHTLS

/// The home directory of the rsh processes the bench starts (`HOME`), so that
/// they never read the user's `~/.rsh`: it holds a key pair of its own
/// (`~/.rsh/id_ed25519`), the authorized_keys file that lets it in, and a
/// known_hosts line for every server started.
final class BenchHome {
    let path: String
    let identity: Ed25519PrivateKey
    var knownHosts: String { path + "/.rsh/known_hosts" }
    var authorizedKeys: String { path + "/authorized_keys" }
    /// The host key every bench server uses.
    var hostKey: String { path + "/host_ed25519" }

    init() throws {
        path = "/tmp/rsh-bench-\(ProcessIdentity.processID)-home"
        try createDirectory(path + "/.rsh")
        identity = try IdentityFile.generate(path + "/.rsh/id_ed25519", comment: "rsh-bench")
        try createFileAtomically(authorizedKeys, mode: 0o600, Array((identity.publicKey.openSSHLine(comment: "rsh-bench") + "\n").utf8))
        let server = try Ed25519PrivateKey.generate()
        try createFileAtomically(hostKey, mode: 0o600, server.pemPKCS8)
        // Every bench server has this key and listens on loopback, the
        // fan-out's on a thousand addresses of 127.0.0.0/8: one pattern names
        // them all, at any port.
        let line = "[127.*]:* \(server.publicKey.openSSHLine())\n"
        try createFileAtomically(knownHosts, mode: 0o600, Array(line.utf8))
    }

    /// What rsh's environment changes: `HOME` here (and no `RSH_KEY_FILE` of
    /// the person running the bench).
    var environment: [String: String] { ["HOME": path, "RSH_KEY_FILE": ""] }

    /// For every rshd started here: the bench's host key.
    var serverArguments: [String] { ["--host-key", hostKey] }

    /// Removes the home and everything in it.
    func remove() { Self.remove(path) }

    private static func remove(_ path: String) {
        for name in directoryEntries(path) ?? [] {
            let entry = path + "/" + name
            if (try? removeFile(atPath: entry)) == nil { remove(entry) }
        }
        try? removeDirectory(path)
    }
}
