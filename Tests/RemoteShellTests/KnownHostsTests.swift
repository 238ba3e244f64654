import Foundation
import RemoteShell
import RSHProtocol
import RSHSystem
import RSHTLS
import Testing

/// The server's key, checked against known_hosts before rsh sends anything,
/// as ssh checks it: trust on first use, asked about on a terminal.
@Suite("Host keys: known_hosts")
struct KnownHostsTests {
    /// A server with a host key of its own, and an empty known_hosts file for rsh.
    static func fresh(_ mode: ServerMode = .coroutine) throws -> (server: ServerProcess, knownHosts: String) {
        let hostKey = Scratch.path("host_key")
        let server = try ServerProcess(mode, ["--host-key", hostKey])
        return (server, Scratch.path("known_hosts"))
    }

    static func name(_ server: ServerProcess) -> String { "[127.0.0.1]:\(server.port)" }

    @Test("an unknown server, no terminal: 255 and one line with its fingerprint and how to accept it; nothing runs")
    func unknownWithoutTerminal() throws {
        let (server, knownHosts) = try Self.fresh()
        let marker = Scratch.path("marker")
        let rsh = try server.rsh(["touch", marker], options: ["--known-hosts", knownHosts])
        #expect(rsh.shellStatus == 255)
        #expect(rsh.stderr.split(separator: "\n").count == 1)
        #expect(rsh.stderr.contains("the authenticity of host '\(Self.name(server))' can't be established"), "\(rsh.stderr)")
        #expect(rsh.stderr.contains(server.hostKey.fingerprint))
        #expect(rsh.stderr.contains("--accept-new"))
        #expect(!FileManager.default.fileExists(atPath: knownHosts))
        // The handshake never finished on the server's side: rsh held back its last flight.
        #expect(eventually { server.log.contains("close peer=") })
        #expect(!server.log.contains("tls="))
        expectNeverRan(marker, on: server)
    }

    @Test("--accept-new adds the server's line, as rsh keyscan prints it, then connects; the next run needs nothing", arguments: ServerMode.allCases)
    func acceptNew(_ mode: ServerMode) throws {
        let (server, knownHosts) = try Self.fresh(mode)
        let first = try server.rsh(["echo", "first"], options: ["--known-hosts", knownHosts, "--accept-new"])
        #expect(first.stdout == "first\n", "\(first.stderr)")
        #expect(first.stderr == "Warning: Permanently added '\(Self.name(server))' (ED25519) to the list of known hosts.\n")
        #expect(try String(contentsOfFile: knownHosts, encoding: .utf8) == "\(Self.name(server)) \(server.hostKey.openSSHLine())\n")
        let second = try server.rsh(["echo", "second"], options: ["--known-hosts", knownHosts])
        #expect(second.stdout == "second\n")
        #expect(second.stderr.isEmpty)
    }

    @Test("--accept-new after a last line without its newline: that line stays whole, and the new one is a line of its own")
    func acceptNewAfterUnendedLine() throws {
        let (server, knownHosts) = try Self.fresh()
        let other = "other.example \(try Ed25519PrivateKey.generate().publicKey.openSSHLine())"
        try createNewFile(knownHosts, mode: 0o600, Array(other.utf8))
        let rsh = try server.rsh(["echo", "ran"], options: ["--known-hosts", knownHosts, "--accept-new"])
        #expect(rsh.stdout == "ran\n", "\(rsh.stderr)")
        #expect(try String(contentsOfFile: knownHosts, encoding: .utf8) == other + "\n\(Self.name(server)) \(server.hostKey.openSSHLine())\n")
        // ssh-keygen, which reads the file its own way, finds both hosts.
        for name in ["other.example", Self.name(server)] {
            let found = try TestProcess.run(["ssh-keygen", "-F", name, "-f", knownHosts])
            #expect(found.shellStatus == 0, "\(name): \(found.stdout) \(found.stderr)")
        }
    }

    @Test("a changed host key: 255 and ssh's warning naming the known_hosts file and line, even with --accept-new; nothing runs",
          arguments: [false, true])
    func changedKey(acceptNew: Bool) throws {
        let (server, knownHosts) = try Self.fresh()
        let impostor = try Ed25519PrivateKey.generate().publicKey
        try createNewFile(knownHosts, mode: 0o600, Array("# mine\nother.example \(server.hostKey.openSSHLine())\n\(Self.name(server)) \(impostor.openSSHLine())\n".utf8))
        let marker = Scratch.path("marker")
        let rsh = try server.rsh(["touch", marker], options: ["--known-hosts", knownHosts] + (acceptNew ? ["--accept-new"] : []))
        #expect(rsh.shellStatus == 255)
        #expect(rsh.stderr.contains("WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!"), "\(rsh.stderr)")
        #expect(rsh.stderr.contains("Offending ED25519 key in \(knownHosts):3"))
        #expect(rsh.stderr.contains(server.hostKey.fingerprint))
        #expect(rsh.stderr.contains("ssh-keygen -f \"\(knownHosts)\" -R \"\(Self.name(server))\""))
        #expect(rsh.stderr.hasSuffix("rsh: host key verification failed for \(Self.name(server))\n"))
        #expect(eventually { server.log.contains("close peer=") })
        #expect(!server.log.contains("tls="))
        expectNeverRan(marker, on: server)
        // The file is as it was: a changed key is never written over.
        #expect(try String(contentsOfFile: knownHosts, encoding: .utf8).hasSuffix("\(impostor.openSSHLine())\n"))
    }

    @Test("known_hosts patterns: a line for [127.0.0.1]:* and a comma list both match")
    func patterns() throws {
        let (server, knownHosts) = try Self.fresh()
        try createNewFile(knownHosts, mode: 0o600, Array("example.org,[127.0.0.1]:* \(server.hostKey.openSSHLine())\n".utf8))
        #expect(try server.rsh(["echo", "matched"], options: ["--known-hosts", knownHosts]).stdout == "matched\n")
    }

    @Test("known_hosts names: a !pattern on the line excludes the host; names match whatever their case; a line with the right key is enough")
    func exclusionsAndCase() throws {
        let (server, knownHosts) = try Self.fresh()
        let name = Self.name(server)
        let key = server.hostKey.openSSHLine()
        try createNewFile(knownHosts, mode: 0o600, Array("[127.0.0.1]:*,!\(name) \(key)\n".utf8))
        let excluded = try server.rsh(["true"], options: ["--known-hosts", knownHosts])
        #expect(excluded.shellStatus == 255)
        #expect(excluded.stderr.contains("can't be established"), "\(excluded.stderr)")

        let mixedCase = Scratch.path("known_hosts_case")
        try createNewFile(mixedCase, mode: 0o600, Array("[LocalHost]:\(server.port) \(key)\n".utf8))
        let local = try TestProcess.run([Binaries.rsh, "--known-hosts", mixedCase, "localhost:\(server.port)", "echo", "matched"])
        #expect(local.stdout == "matched\n", "\(local.stderr)")

        // A wildcard line with another key, before an exact line with the right one: as in ssh, a
        // line that names the host with the key it presented is enough.
        let impostor = try Ed25519PrivateKey.generate().publicKey
        let ordered = Scratch.path("known_hosts_order")
        try createNewFile(ordered, mode: 0o600, Array("[127.0.0.?]:* \(impostor.openSSHLine())\n\(name) \(key)\n".utf8))
        let run = try server.rsh(["echo", "matched"], options: ["--known-hosts", ordered])
        #expect(run.stdout == "matched\n", "a line with the right key for the name is enough, as in ssh: \(run.stderr)")
    }

    @Test("on a terminal rsh asks as ssh does: 'no' refuses, 'yes' adds the key and connects")
    func prompt() throws {
        let (server, knownHosts) = try Self.fresh()
        let refusing = try TerminalSession([Binaries.rsh, "--known-hosts", knownHosts, server.address, "echo", "asked"])
        #expect(refusing.expect("The authenticity of host '\(Self.name(server))' can't be established."), "\(refusing.text)")
        #expect(refusing.expect("ED25519 key fingerprint is \(server.hostKey.fingerprint)."))
        #expect(refusing.expect("Are you sure you want to continue connecting (yes/no/[fingerprint])? "))
        refusing.type("maybe\n")
        #expect(refusing.expect("Please type 'yes', 'no' or the fingerprint: "))
        refusing.type("no\n")
        #expect(refusing.waitForExit() == .exited(255))
        #expect(!FileManager.default.fileExists(atPath: knownHosts))

        let accepting = try TerminalSession([Binaries.rsh, "--known-hosts", knownHosts, server.address, "echo", "asked"])
        #expect(accepting.expect("(yes/no/[fingerprint])? "))
        accepting.type("yes\n")
        #expect(accepting.expect("Warning: Permanently added '\(Self.name(server))' (ED25519) to the list of known hosts."))
        #expect(accepting.expect("asked\r\n"))
        #expect(accepting.waitForExit() == .exited(0))
        #expect(try String(contentsOfFile: knownHosts, encoding: .utf8) == "\(Self.name(server)) \(server.hostKey.openSSHLine())\n")
    }

    @Test("a 'yes' typed after the server stopped waiting for the handshake still connects, once, to the key just added")
    func slowAnswer() throws {
        let hostKey = Scratch.path("host_key")
        let server = try ServerProcess(.blocking, ["--host-key", hostKey, "--handshake-timeout", "1"])
        let knownHosts = Scratch.path("known_hosts")
        let session = try TerminalSession([Binaries.rsh, "--known-hosts", knownHosts, server.address, "echo", "answered late"])
        #expect(session.expect("(yes/no/[fingerprint])? "), "\(session.text)")
        // The server gives up on this handshake after 1 s.
        #expect(eventually(timeout: .seconds(15)) { server.log.contains("handshake not finished within") }, "\(server.log)")
        session.type("yes\n")
        #expect(session.expect("answered late\r\n"), "\(session.text)")
        #expect(session.waitForExit() == .exited(0))
        #expect(session.text.components(separatedBy: "Are you sure").count == 2, "asked once: \(session.text)")
        #expect(try String(contentsOfFile: knownHosts, encoding: .utf8) == "\(Self.name(server)) \(server.hostKey.openSSHLine())\n")
    }

    @Test("rsh keyscan prints the server's known_hosts line; ssh-keygen -l agrees with the fingerprint the server logs; the line lets rsh in")
    func keyscan() throws {
        let (server, knownHosts) = try Self.fresh()
        let scan = try TestProcess.run([Binaries.rsh, "keyscan", server.address])
        #expect(scan.shellStatus == 0, "\(scan.stderr)")
        #expect(scan.stdout == "\(Self.name(server)) \(server.hostKey.openSSHLine())\n")
        try createNewFile(knownHosts, mode: 0o600, Array(scan.stdout.utf8))
        let sshKeygen = try TestProcess.run(["ssh-keygen", "-l", "-f", knownHosts])
        let fingerprint = try #require(sshKeygen.stdout.split(separator: " ").dropFirst().first)
        #expect(server.log.contains("host key \(fingerprint) "), "ssh-keygen: \(sshKeygen.stdout)")
        // The scan logs in as no one: the server saw a handshake that never finished.
        #expect(eventually { server.log.contains("close peer=") })
        #expect(!server.log.contains("tls="))
        #expect(try server.rsh(["echo", "scanned"], options: ["--known-hosts", knownHosts]).stdout == "scanned\n")
        #expect(try TestProcess.run([Binaries.rsh, "keyscan", "127.0.0.1:1"]).shellStatus == 255)
    }
}
