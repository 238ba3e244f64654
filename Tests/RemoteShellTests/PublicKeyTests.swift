import Foundation
import RemoteShell
import RSHProtocol
import RSHSystem
import RSHTestSupport
import RSHTLS
import Testing

/// A fresh key pair made by `rsh keygen`, in the scratch directory.
func makeKeyPair(_ name: String = "id_ed25519") throws -> (path: String, key: Ed25519PublicKey) {
    let path = Scratch.path(name)
    let keygen = try TestProcess.run([Binaries.rsh, "keygen", path])
    guard keygen.shellStatus == 0 else { throw TestFailure("rsh keygen failed: \(keygen.stderr)") }
    return (path, try IdentityFile.load(path).publicKey)
}

/// An authorized_keys file (0600) with these lines.
func authorizedKeysFile(_ lines: [String]) throws -> String {
    let path = Scratch.path("authorized_keys")
    try createNewFile(path, mode: 0o600, Array(lines.map { $0 + "\n" }.joined().utf8))
    return path
}

/// Logging in with a key over TLS: the server finds the client's key in its
/// authorized_keys, and refuses every other client before anything runs.
@Suite("Public keys: authorized_keys over TLS")
struct PublicKeyTests {
    static let server = try! ServerProcess(.coroutine, ["--authorized-keys", TestHome.authorizedKeysPath])

    @Test("a key in authorized_keys logs in, in every mode; the log names its fingerprint and comment", arguments: ServerMode.allCases)
    func login(_ mode: ServerMode) throws {
        let server = try ServerProcess(mode, ["--authorized-keys", TestHome.authorizedKeysPath])
        let rsh = try server.rsh(["echo", "in"])
        #expect(rsh.stdout == "in\n")
        #expect(rsh.shellStatus == 0, "\(rsh.stderr)")
        let fingerprint = TestHome.identity.publicKey.fingerprint
        #expect(eventually { server.log.contains("auth=publickey key=\(fingerprint) comment=\"tests@rsh\"") }, "\(server.log)")
        // The command's line and the key's line belong to one connection.
        let line = try #require(server.log.split(separator: "\n").first { $0.contains("key=\(fingerprint)") })
        let connection = try #require(line.split(separator: " ").first { $0.hasPrefix("conn=") })
        #expect(server.log.split(separator: "\n").contains { $0.contains("\(connection) cmd=1 exit=0") })
    }

    @Test("a key not in authorized_keys is refused in the TLS handshake: 255, nothing runs, the log names the key")
    func wrongKey() throws {
        let other = try makeKeyPair()
        let marker = Scratch.path("marker")
        let rsh = try Self.server.rsh(["touch", marker], options: ["-i", other.path])
        #expect(rsh.shellStatus == 255)
        #expect(rsh.stderr.hasPrefix("rsh: permission denied: the server does not accept the key \(other.path) (\(other.key.fingerprint))"),
                "\(rsh.stderr)")
        #expect(rsh.stderr.split(separator: "\n").count == 1)
        #expect(eventually { Self.server.log.contains("refused the key \(other.key.fingerprint): not in \(TestHome.authorizedKeysPath)") })
        expectNeverRan(marker, on: Self.server)
    }

    @Test("a client with no key is refused: 255 and a message that says how to make one; nothing runs")
    func noKey() throws {
        _ = Self.server  // started, and in known_hosts, before that is copied
        let home = Scratch.path("keyless-home")
        try FileManager.default.createDirectory(atPath: home + "/.rsh", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestHome.knownHostsPath, toPath: home + "/.rsh/known_hosts")
        let marker = Scratch.path("marker")
        let rsh = try TestProcess.run([Binaries.rsh, Self.server.address, "touch \(marker)"],
                                      environment: TestHome.environment.filter { !$0.hasPrefix("HOME=") } + ["HOME=" + home])
        #expect(rsh.shellStatus == 255)
        #expect(rsh.stderr.contains("the server requires a key and rsh has none"), "\(rsh.stderr)")
        #expect(eventually { Self.server.log.contains("refused: the client sent no key") })
        expectNeverRan(marker, on: Self.server)
    }

    @Test("plain v1 and classic clients are refused by a server that authenticates clients: nothing runs")
    func plainRefused() throws {
        let marker = Scratch.path("marker")
        let v1 = try TestClient(port: Self.server.port)
        try v1.send(Limits.preface + ClientMessage.hello(version: 1, client: nil).encoded
                    + ClientMessage.exec(ExecRequest(id: 1, command: .shell("touch \(marker)"))).encoded)
        let frames = try v1.readUntilClosed()
        #expect(frames.map { $0["code"]?.stringValue } == ["tls_required"])
        let classic = try TestClient(port: Self.server.port, classic: true)
        try classic.send(Array("touch \(marker)".utf8))
        let reply = try classic.readFrame()
        #expect(reply["exit_code"] == 255)
        #expect(String(decoding: reply.body, as: UTF8.self).contains("accepts TLS only"))
        let rsh = try Self.server.rsh(["touch", marker], options: ["--plain"])
        #expect(rsh.shellStatus == 255)
        #expect(rsh.stderr.contains("tls_required"), "\(rsh.stderr)")
        let rshClassic = try Self.server.rsh(["touch", marker], options: ["--classic"])
        #expect(rshClassic.shellStatus == 255)
        expectNeverRan(marker, on: Self.server)
    }

    @Test("a key pair made by ssh-keygen -t ed25519 -N '' logs in, its .pub line in authorized_keys")
    func sshKeygenKey() throws {
        let path = Scratch.path("id_ssh")
        #expect(try TestProcess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ssh@made", "-f", path]).shellStatus == 0)
        let line = try String(contentsOfFile: path + ".pub", encoding: .utf8).trimmingCharacters(in: .newlines)
        let server = try ServerProcess(.threaded, ["--authorized-keys", try authorizedKeysFile([line])])
        let rsh = try server.rsh(["echo", "ssh key"], options: ["-i", path])
        #expect(rsh.stdout == "ssh key\n", "\(rsh.stderr)")
        #expect(eventually { server.log.contains("comment=\"ssh@made\"") })
    }

    @Test("~/.ssh/id_ed25519 is offered when ~/.rsh/id_ed25519 does not exist")
    func sshIdentityFallback() throws {
        let home = Scratch.path("ssh-home")
        try FileManager.default.createDirectory(atPath: home + "/.ssh", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: home + "/.rsh", withIntermediateDirectories: true)
        #expect(try TestProcess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", home + "/.ssh/id_ed25519"]).shellStatus == 0)
        let line = try String(contentsOfFile: home + "/.ssh/id_ed25519.pub", encoding: .utf8).trimmingCharacters(in: .newlines)
        let server = try ServerProcess(.coroutine, ["--authorized-keys", try authorizedKeysFile([line])])
        try FileManager.default.copyItem(atPath: TestHome.knownHostsPath, toPath: home + "/.rsh/known_hosts")
        let rsh = try TestProcess.run([Binaries.rsh, server.address, "echo fallback"],
                                      environment: TestHome.environment.filter { !$0.hasPrefix("HOME=") } + ["HOME=" + home])
        #expect(rsh.stdout == "fallback\n", "\(rsh.stderr)")
    }

    @Test("a passphrase-protected key: one line that says so, status 255")
    func passphraseProtected() throws {
        let path = Scratch.path("id_protected")
        #expect(try TestProcess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "a passphrase", "-f", path]).shellStatus == 0)
        let rsh = try Self.server.rsh(["true"], options: ["-i", path])
        #expect(rsh.shellStatus == 255)
        #expect(rsh.stderr.split(separator: "\n").count == 1)
        #expect(rsh.stderr.contains("is protected by a passphrase"), "\(rsh.stderr)")
    }

    @Test("loose permissions: rsh refuses such an identity; rshd such an authorized_keys or host key")
    func loosePermissions() throws {
        let identity = try makeKeyPair()
        chmod(identity.path, 0o644)
        let rsh = try Self.server.rsh(["true"], options: ["-i", identity.path])
        #expect(rsh.shellStatus == 255)
        #expect(rsh.stderr.contains("is accessible by others (mode 644); make it private with: chmod 600 \(identity.path)"), "\(rsh.stderr)")

        let authorized = try authorizedKeysFile([TestHome.identity.publicKey.openSSHLine()])
        chmod(authorized, 0o644)
        let rshd = try TestProcess.run([Binaries.rshd, "--listen", "127.0.0.1:0", "--authorized-keys", authorized])
        #expect(rshd.shellStatus == 1)
        #expect(rshd.stderr.contains("the authorized keys file \(authorized) is accessible by others"), "\(rshd.stderr)")

        chmod(identity.path, 0o640)
        let hostKey = try TestProcess.run([Binaries.rshd, "--listen", "127.0.0.1:0", "--host-key", identity.path])
        #expect(hostKey.shellStatus == 1)
        #expect(hostKey.stderr.contains("chmod 600"))
    }

    @Test("authorized_keys: comments and blank lines are skipped; other key types and option lines with a warning; an edit applies at once")
    func authorizedKeysFormat() throws {
        let alice = try makeKeyPair("alice")
        let bob = try makeKeyPair("bob")
        let rsaPath = Scratch.path("id_rsa")
        #expect(try TestProcess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "1024", "-N", "", "-f", rsaPath]).shellStatus == 0)
        let rsaLine = try String(contentsOfFile: rsaPath + ".pub", encoding: .utf8).trimmingCharacters(in: .newlines)
        let path = try authorizedKeysFile([
            "# who may log in", "", rsaLine,
            "from=\"10.0.0.1\" " + bob.key.openSSHLine(comment: "bob"),
            "  " + alice.key.openSSHLine(comment: "alice at work") + "  ",
        ])
        let server = try ServerProcess(.coroutine, ["--authorized-keys", path])
        #expect(server.log.contains("\(path):3: skipped: a ssh-rsa key"))
        #expect(server.log.contains("\(path):4: a line with options"))
        #expect(try server.rsh(["echo", "alice"], options: ["-i", alice.path]).stdout == "alice\n")
        #expect(eventually { server.log.contains("comment=\"alice at work\"") })
        #expect(try server.rsh(["true"], options: ["-i", bob.path]).shellStatus == 255, "a restricted key is not let in unrestricted")
        // Revoked by deleting its line: the next connection is refused.
        try writeFile(path, Array((bob.key.openSSHLine(comment: "bob") + "\n").utf8))
        #expect(try server.rsh(["true"], options: ["-i", alice.path]).shellStatus == 255)
        #expect(try server.rsh(["echo", "bob"], options: ["-i", bob.path]).stdout == "bob\n")
    }
}
