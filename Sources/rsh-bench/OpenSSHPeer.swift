import RSHProtocol
import RSHSpawn
import RSHSystem
import RSHTestSupport

/// A private `sshd` for the OpenSSH rows: run as this user, on a free
/// loopback port, from a temporary directory holding its host key, the
/// client's key, `authorized_keys`, `known_hosts` and both configurations,
/// so that nothing of the machine's own ssh set-up is read or changed, and
/// that directory as the sessions' `HOME`. The client is the real `ssh`,
/// with the default cipher of this ssh and sshd.
final class OpenSSHPeer {
    let server: ServerUnderTest
    /// The cipher the client and server agreed on (`ssh -v`), for the report.
    let cipher: String
    private let directory: String

    /// The name the client configuration gives the server.
    static let hostAlias = "rsh-bench-sshd"

    init(sshd: String) throws {
        let directory = "/tmp/rsh-bench-\(ProcessIdentity.processID)-openssh"
        self.directory = directory
        do {
            try? Self.remove(directory)
            try createDirectory(directory)
            for name in ["host_key", "client_key"] {
                try Self.check(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "rsh-bench", "-f", "\(directory)/\(name)"])
            }
            let hostKey = try Self.text("\(directory)/host_key.pub").split(separator: " ").prefix(2).joined(separator: " ")
            try createNewFile("\(directory)/authorized_keys", mode: 0o600, Array(try Self.text("\(directory)/client_key.pub").utf8))
            try createNewFile("\(directory)/known_hosts", mode: 0o600, Array("\(Self.hostAlias) \(hostKey)\n".utf8))
            // The privilege-separation directory that a packaged sshd's service creates at boot.
            if ProcessIdentity.effectiveUserID == 0, (try? FileStatus(path: "/run/sshd")) == nil {
                try makeDirectory("/run/sshd", permissions: 0o755)
            }
            var started: ServerUnderTest?
            var lastError: (any Error)?
            // The port is free when it is picked, not necessarily when sshd binds it: a few tries.
            for _ in 0..<3 where started == nil {
                let port = try Self.freePort()
                try writeFile("\(directory)/sshd_config", Array(Self.serverConfiguration(directory, port: port).utf8))
                try writeFile("\(directory)/ssh_config", Array(Self.clientConfiguration(directory, port: port).utf8))
                do {
                    started = try ServerUnderTest(name: "sshd", arguments: [sshd, "-D", "-e", "-f", "\(directory)/sshd_config"],
                                                  announcement: "Server listening on 127.0.0.1 port ")
                } catch {
                    lastError = error
                }
            }
            guard let started else { throw lastError ?? BenchError("sshd did not start") }
            server = started
        } catch {
            try? Self.remove(directory)
            throw error
        }
        do {
            let check = try ChildProcess.run(CommandSpec(.argv(["ssh", "-v", "-F", "\(directory)/ssh_config", Self.hostAlias, "true"])),
                                             timeout: .seconds(30))
            let log = String(decoding: check.stderr, as: UTF8.self)
            guard check.result.status == .exited(0) else {
                throw BenchError("ssh to the private sshd failed: " + (log.split(separator: "\n").last.map(String.init) ?? "\(check.result.status)"))
            }
            // "debug1: kex: server->client cipher: chacha20-poly1305@openssh.com MAC: <implicit> compression: none"
            cipher = log.firstRange(of: "server->client cipher: ").map { String(log[$0.upperBound...].prefix { $0 != " " && $0 != "\n" }) } ?? "?"
        } catch {
            server.stop()
            try? Self.remove(directory)
            throw error
        }
    }

    /// `ssh` running `command` on the private server.
    func client(_ command: String) -> [String] {
        ["ssh", "-F", "\(directory)/ssh_config", Self.hostAlias, command]
    }

    /// `scp` of `source` to `destination` (a remote one is `hostAlias:PATH`), quietly.
    func copy(_ source: String, to destination: String) -> [String] {
        ["scp", "-q", "-F", "\(directory)/ssh_config", source, destination]
    }

    func stop() {
        server.stop()
        try? Self.remove(directory)
    }

    private static func serverConfiguration(_ directory: String, port: UInt16) -> String {
        """
        ListenAddress 127.0.0.1:\(port)
        HostKey \(directory)/host_key
        PidFile none
        AuthorizedKeysFile \(directory)/authorized_keys
        PubkeyAuthentication yes
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        UsePAM no
        PermitRootLogin prohibit-password
        # The keys live in /tmp, whose mode StrictModes would refuse.
        StrictModes no
        # Connections in bursts (one-shot rounds) are not to be dropped at the default 10:30:100.
        MaxStartups 1000
        PerSourceMaxStartups none
        # sshd runs each command through the user's login shell, started so that
        # it reads the user's start-up files (bash: ~/.bashrc); a HOME of its own
        # keeps this account's out of OpenSSH's figures (rshd's /bin/sh reads none).
        SetEnv HOME=\(directory)
        UseDNS no
        PrintMotd no
        PrintLastLog no
        X11Forwarding no
        # scp speaks SFTP (OpenSSH 9.0 and later); sshd's own server, no path to find.
        Subsystem sftp internal-sftp
        LogLevel INFO

        """
    }

    private static func clientConfiguration(_ directory: String, port: UInt16) -> String {
        """
        Host \(hostAlias)
          HostName 127.0.0.1
          Port \(port)
          HostKeyAlias \(hostAlias)
          IdentityFile \(directory)/client_key
          IdentitiesOnly yes
          UserKnownHostsFile \(directory)/known_hosts
          GlobalKnownHostsFile /dev/null
          StrictHostKeyChecking yes
          UpdateHostKeys no
          BatchMode yes
          ControlMaster no
          ControlPath none
          LogLevel ERROR

        """
    }

    /// A loopback port no one listens on now.
    private static func freePort() throws -> UInt16 {
        let socket = try FileDescriptor.listeningSocket(at: .ipv4(host: "127.0.0.1", port: 0))
        defer { socket.closeAfterUse() }
        guard let port = try socket.localAddress().port else { throw BenchError("no loopback port") }
        return port
    }

    private static func check(_ arguments: [String]) throws {
        let run = try ChildProcess.run(CommandSpec(.argv(arguments)), timeout: .seconds(30))
        guard run.result.status == .exited(0) else {
            throw BenchError("\(arguments[0]) failed: \(String(decoding: run.stderr, as: UTF8.self))")
        }
    }

    private static func text(_ path: String) throws -> String {
        guard let text = readTextFile(path) else { throw BenchError("cannot read \(path)") }
        return text.split(separator: "\n").first.map(String.init) ?? ""
    }

    private static func remove(_ directory: String) throws {
        try check(["rm", "-rf", directory])
    }
}
