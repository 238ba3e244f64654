import Foundation
import RemoteShell
import RSHSystem
import RSHTestSupport
import RSHTLS
import Synchronization

/// The home directory of every rsh and rshd the tests start (`HOME`), so
/// that no test reads or writes the real `~/.rsh`. It holds the tests'
/// identity (`~/.rsh/id_ed25519`), the host key the test servers share
/// (`~/.rsh/host_ed25519`), and a known_hosts line for every test server.
/// It has no `~/.rsh/authorized_keys`: a server authenticates clients only
/// when a test gives it `--authorized-keys` (or `--key-file`).
enum TestHome {
    static let path: String = {
        let path = Scratch.directory + "/home"
        try? createDirectory(path)
        try? makeDirectory(path + "/.rsh", permissions: 0o700)
        return path
    }()

    static var rshDirectory: String { path + "/.rsh" }
    static var knownHostsPath: String { rshDirectory + "/known_hosts" }
    static var identityPath: String { rshDirectory + "/id_ed25519" }

    /// The key rsh offers by default in the tests.
    static let identity: Ed25519PrivateKey = {
        _ = path
        return try! IdentityFile.generate(identityPath, comment: "tests@rsh")
    }()

    /// The host key of every test server not given one of its own.
    static let hostKey: Ed25519PrivateKey = {
        _ = path
        return try! IdentityFile.loadOrCreate(rshDirectory + "/host_ed25519").key
    }()

    /// An authorized_keys file (0600) with the tests' identity in it.
    static let authorizedKeysPath: String = {
        let path = Scratch.path("authorized_keys")
        try! createNewFile(path, mode: 0o600, Array((identity.publicKey.openSSHLine(comment: "tests@rsh") + "\n").utf8))
        return path
    }()

    private static let knownHostsLock = Mutex(())

    /// Adds the known_hosts lines of a server listening on `hosts` (127.0.0.1
    /// by default) at `port`, as `rsh keyscan` prints them.
    static func trust(hosts: [String] = ["127.0.0.1"], port: UInt16, key: Ed25519PublicKey = hostKey.publicKey) {
        let lines = hosts.map { "[\($0)]:\(port) \(key.openSSHLine())\n" }.joined()
        knownHostsLock.withLock { _ in
            try? appendToFile(knownHostsPath, mode: 0o600, Array(lines.utf8))
        }
    }

    /// The environment of the test process, with `HOME` pointing here and no
    /// `RSH_KEY_FILE` of the person running the tests.
    static var environment: [String] {
        _ = identity
        _ = hostKey
        return currentEnvironment().filter { !$0.hasPrefix("HOME=") && !$0.hasPrefix("RSH_KEY_FILE=") } + ["HOME=" + path]
    }
}
