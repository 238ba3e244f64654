import Foundation
import RemoteShell
import RSHProtocol
import RSHSystem
import Testing

/// A file the attacks' commands would create: if it exists, something ran.
func marker() -> String { Scratch.path("marker") }
func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

/// What each attack ends with: the frames the server sent before it closed.
private func framesUntilClosed(_ client: TestClient) -> [Frame] {
    (try? client.readUntilClosed(timeout: .seconds(10))) ?? []
}

/// After an attack: gives a command that should not run a moment to show
/// up, then checks both traces of it, the marker file and the server's log.
func expectNeverRan(_ path: String, on server: ServerProcess, sourceLocation: SourceLocation = #_sourceLocation) {
    SystemThread.pause(for: .milliseconds(300))
    #expect(!exists(path), sourceLocation: sourceLocation)
    #expect(server.commandsRun(containing: path) == 0, sourceLocation: sourceLocation)
}

/// A home with known_hosts but no key of its own, for clients that must offer none.
func homeWithoutIdentity() throws -> [String] {
    let home = Scratch.path("keyless-home")
    try FileManager.default.createDirectory(atPath: home + "/.rsh", withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: TestHome.knownHostsPath, toPath: home + "/.rsh/known_hosts")
    return TestHome.environment.filter { !$0.hasPrefix("HOME=") } + ["HOME=" + home]
}

/// The user nobody, for the tests that need a second uid (they need root, and setpriv).
enum Stranger {
    static let available = ProcessIdentity.effectiveUserID == 0 && FileDescriptor.isExecutable("/usr/bin/setpriv")
    static let setpriv = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]

    /// A copy of rsh that nobody may run, and a home with the tests' known_hosts that nobody may read.
    static let rsh: String = {
        let copy = Scratch.path("rsh")
        try! FileManager.default.copyItem(atPath: Binaries.rsh, toPath: copy)
        chmod(copy, 0o755)
        return copy
    }()

    static func environment() throws -> [String] {
        let home = Scratch.path("nobody-home")
        try FileManager.default.createDirectory(atPath: home + "/.rsh", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestHome.knownHostsPath, toPath: home + "/.rsh/known_hosts")
        chmod(home, 0o755)
        chmod(home + "/.rsh", 0o755)
        chmod(home + "/.rsh/known_hosts", 0o644)
        return TestHome.environment.filter { !$0.hasPrefix("HOME=") } + ["HOME=" + home]
    }
}

@Suite("Security: keys, admission and attacks on the traffic, through real sockets")
struct SecurityTests {
    static let keyed = ServerMode.allCases.map { Setup(mode: $0, security: .preSharedKey) }

    @Test("a wrong pre-shared key fails the TLS handshake: nothing runs, rsh exits 255 and says why", arguments: keyed)
    func wrongKey(_ setup: Setup) throws {
        let path = marker()
        #expect(throws: (any Error).self) { try TestClient(port: setup.server.port, tls: .preSharedKey(Array("not the key but long enough".utf8))) }
        let wrong = Scratch.path("wrong-key")
        #expect(try TestProcess.run([Binaries.rsh, "keygen", "--psk", wrong]).shellStatus == 0)
        let rsh = try TestProcess.run([Binaries.rsh, "--key-file", wrong, setup.server.address, "touch \(path)"])
        #expect(rsh.shellStatus == 255)
        #expect(rsh.stderr.contains("does not hold the same pre-shared key"), "\(rsh.stderr)")
        expectNeverRan(path, on: setup.server)
        #expect(setup.server.log.contains("TLS failed"))
    }

    @Test("a client with no key gets nothing run by a keyed server; neither does one that offers a key the server does not know",
          arguments: keyed)
    func noKey(_ setup: Setup) throws {
        let path = marker()
        #expect(throws: (any Error).self) {
            let client = try TestClient(port: setup.server.port, tls: .identity(nil))
            try client.send(Limits.preface + ClientMessage.hello(version: 1, client: nil).encoded
                            + ClientMessage.exec(ExecRequest(id: 1, command: .shell("touch \(path)"))).encoded)
            _ = try client.readFrame(timeout: .seconds(5))
        }
        let keyless = try TestProcess.run([Binaries.rsh, setup.server.address, "touch \(path)"], environment: try homeWithoutIdentity())
        #expect(keyless.shellStatus == 255)
        #expect(keyless.stderr.contains("the server requires a key"), "\(keyless.stderr)")
        let unknownKey = try TestProcess.run([Binaries.rsh, setup.server.address, "touch \(path)"])
        #expect(unknownKey.shellStatus == 255)
        #expect(unknownKey.stderr.contains("does not accept the key"), "\(unknownKey.stderr)")
        expectNeverRan(path, on: setup.server)
    }

    @Test("a recorded session replayed on a new connection runs nothing", arguments: keyed)
    func replay(_ setup: Setup) throws {
        let path = marker()
        let relay = try TLSRelay(to: setup.server.port)
        let original = try TestProcess.run([Binaries.rsh, "--key-file", TestKey.path, "127.0.0.1:\(relay.port)", "touch \(path)"])
        #expect(original.shellStatus == 0, "\(original.stderr)")
        #expect(exists(path))
        try FileManager.default.removeItem(atPath: path)
        let replayer = try TestClient(port: setup.server.port)
        try replayer.sendRaw(relay.clientBytes)
        _ = try? replayer.readUntilClosed(timeout: .seconds(5))
        SystemThread.pause(for: .milliseconds(300))
        #expect(!exists(path))
        #expect(setup.server.commandsRun(containing: path) == 1, "only the original run")
    }

    @Test("one flipped bit in the TLS record that carries the command ends the connection, and the command never runs",
          arguments: keyed)
    func flippedBit(_ setup: Setup) throws {
        let path = marker()
        let relay = try TLSRelay(to: setup.server.port, flipping: true)
        let rsh = try TestProcess.run([Binaries.rsh, "--key-file", TestKey.path, "127.0.0.1:\(relay.port)", "touch \(path)"])
        #expect(rsh.shellStatus == 255)
        #expect(rsh.stderr.contains("altered on its way"), "\(rsh.stderr)")
        expectNeverRan(path, on: setup.server)
        #expect(setup.server.log.contains("bad record mac"), "\(setup.server.log)")
    }

    @Test("the real client logs in with a pre-shared key (--key-file or RSH_KEY_FILE), in every mode", arguments: keyed)
    func realClient(_ setup: Setup) throws {
        let rsh = try TestProcess.run([Binaries.rsh, "--key-file", TestKey.path, setup.server.address, "echo keyed"])
        #expect(rsh.stdout == "keyed\n", "\(rsh.stderr)")
        let fromEnvironment = try TestProcess.run([Binaries.rsh, setup.server.address, "echo via env"],
                                                  environment: TestHome.environment + ["RSH_KEY_FILE=\(TestKey.path)"])
        #expect(fromEnvironment.stdout == "via env\n")
        #expect(eventually { setup.server.log.contains("auth=psk") })
    }

    @Test("a client with a pre-shared key refuses a server that does not use it, before sending anything")
    func mutual() throws {
        let server = try ServerProcess(.coroutine)
        let path = marker()
        let rsh = try TestProcess.run([Binaries.rsh, "--key-file", TestKey.path, server.address, "touch \(path)"])
        #expect(rsh.shellStatus == 255)
        #expect(rsh.stderr.contains("does not hold the same pre-shared key"), "\(rsh.stderr)")
        expectNeverRan(path, on: server)
    }

    @Test("a keyed server refuses classic connections with a classic reply, and plain v1 with tls_required")
    func classicRefused() throws {
        let server = Setup(mode: .coroutine, security: .preSharedKey).server
        let path = marker()
        let client = try TestClient(port: server.port, classic: true)
        try client.send(Array("touch \(path)".utf8))
        let reply = try client.readFrame()
        #expect(reply["exit_code"] == 255)
        #expect(String(decoding: reply.body, as: UTF8.self).contains("accepts TLS only"))
        let plain = try TestClient(port: server.port)
        try plain.send(Limits.preface + ClientMessage.hello(version: 1, client: nil).encoded
                       + ClientMessage.exec(ExecRequest(id: 1, command: .shell("touch \(path)"))).encoded)
        #expect(framesUntilClosed(plain).map { $0["code"]?.stringValue } == ["tls_required"])
        expectNeverRan(path, on: server)
    }

    @Test("listening beyond loopback needs a key, or an explicit and loud opt-out")
    func nonLoopback() throws {
        let refused = try TestProcess.run([Binaries.rshd, "--listen", "0.0.0.0:0"])
        #expect(refused.shellStatus == 1)
        #expect(refused.stderr.hasPrefix("rshd: refusing to listen on 0.0.0.0:0 without a key"))
        #expect(refused.stderr.split(separator: "\n").count == 1)
        let ipv6 = try TestProcess.run([Binaries.rshd, "--listen", "[::]:0"])
        #expect(ipv6.shellStatus == 1)
    }

    @Test("--allow-unauthenticated warns at startup and on every connection")
    func allowUnauthenticated() throws {
        let process = try TestProcess([Binaries.rshd, "--listen", "0.0.0.0:0", "--allow-unauthenticated"])
        LiveServers.add(process.processID)
        defer {
            process.signal(.terminate)
            process.wait()
            LiveServers.remove(process.processID)
        }
        #expect(eventually { process.stderr.contains("listening on 0.0.0.0:") })
        #expect(process.stderr.contains("NO AUTHENTICATION"))
        let port = try #require(process.stderr.firstRange(of: "listening on 0.0.0.0:").map {
            UInt16(process.stderr[$0.upperBound...].prefix { $0.isNumber })
        } ?? nil)
        let client = try TestClient(port: port)
        try client.handshake()
        #expect(try client.run("true").code == 0)
        #expect(eventually { process.stderr.contains("UNAUTHENTICATED") })
    }

    @Test("a Unix socket is created 0600, and a peer with another uid is refused")
    func unixSocket() throws {
        let path = Scratch.path("socket")
        let process = try TestProcess([Binaries.rshd, "--listen", "unix:" + path])
        LiveServers.add(process.processID)
        defer {
            process.signal(.terminate)
            process.wait()
            LiveServers.remove(process.processID)
        }
        #expect(eventually { process.stderr.contains("listening on unix:") })
        #expect(try FileStatus(path: path).permissions == 0o600)
        #expect(try TestProcess.run([Binaries.rsh, "unix:" + path, "echo over unix"]).stdout == "over unix\n")
        #expect(try TestProcess.run([Binaries.rsh, "unix:" + path], stdin: Array("echo scripted\n".utf8)).stdout == "scripted\n")
        #expect(try TestProcess.run([Binaries.rsh, "--tls", "--accept-new", "unix:" + path, "echo over TLS"]).stdout == "over TLS\n")
        guard Stranger.available else { return }
        // Open the file mode, so that only the SO_PEERCRED check stands in the way.
        chmod(path, 0o666)
        let marker = marker()
        let stranger = try TestProcess.run(Stranger.setpriv + [Stranger.rsh, "unix:" + path, "touch \(marker)"],
                                           environment: try Stranger.environment())
        #expect(stranger.shellStatus == 255)
        #expect(stranger.stderr.contains("forbidden"), "\(stranger.stderr)")
        #expect(eventually { process.stderr.contains("peer=unix:uid:65534") && process.stderr.contains("refused (forbidden)") })
        SystemThread.pause(for: .milliseconds(300))
        #expect(!exists(marker))
    }

    @Test("without client authentication, loopback TCP serves only the server's own user and root: another uid is refused in every format, before anything runs",
          .enabled(if: Stranger.available, "needs root, to run clients as another user with setpriv"), arguments: ServerMode.allCases)
    func loopbackPeerUser(_ mode: ServerMode) throws {
        let server = try ServerProcess(mode)
        let path = marker()
        let environment = try Stranger.environment()
        for options in [[], ["--plain"], ["--classic"]] {
            let stranger = try TestProcess.run(Stranger.setpriv + [Stranger.rsh] + options + [server.address, "touch \(path)"],
                                               environment: environment)
            #expect(stranger.shellStatus == 255, "\(options)")
            // The classic reply's text is its body, on stdout.
            #expect((stranger.stdout + stranger.stderr).contains("serves only its own user"), "\(options): \(stranger.stderr)")
        }
        #expect(eventually { server.log.split(separator: "\n").count { $0.contains("refused (forbidden)") && $0.contains("uid 65534") } == 3 })
        expectNeverRan(path, on: server)
        // Its own user (root, here) is served.
        #expect(try server.rsh(["echo", "mine"]).stdout == "mine\n")
        // A server that authenticates clients asks the key, not the uid.
        let keyed = try ServerProcess(mode, ["--key-file", TestKey.path])
        let key = Scratch.path("nobody-key")
        try FileManager.default.copyItem(atPath: TestKey.path, toPath: key)
        chown(key, 65534, 65534)
        let withKey = try TestProcess.run(Stranger.setpriv + [Stranger.rsh, "--key-file", key, keyed.address, "id -u"],
                                          environment: environment)
        #expect(withKey.stdout == "0\n", "\(withKey.stderr)")
    }

    @Test("key files: loose permissions and short keys are refused by both sides; keygen writes 0600 and never overwrites")
    func keyFiles() throws {
        let generated = Scratch.path("generated")
        #expect(try TestProcess.run([Binaries.rsh, "keygen", "--psk", generated]).shellStatus == 0)
        #expect(try FileStatus(path: generated).permissions == 0o600)
        #expect(try PreSharedKeyFile.load(generated).count == 32)
        #expect(try TestProcess.run([Binaries.rsh, "keygen", "--psk", generated]).shellStatus == 1, "no overwrite")

        let loose = Scratch.path("loose")
        try FileManager.default.copyItem(atPath: generated, toPath: loose)
        chmod(loose, 0o640)
        let rshd = try TestProcess.run([Binaries.rshd, "--key-file", loose])
        #expect(rshd.shellStatus == 1)
        #expect(rshd.stderr.contains("chmod 600"))
        let rsh = try TestProcess.run([Binaries.rsh, "--key-file", loose, "127.0.0.1:1", "true"])
        #expect(rsh.shellStatus == 255)
        #expect(rsh.stderr.contains("chmod 600"))

        let short = Scratch.path("short")
        try createNewFile(short, mode: 0o600, Array("00112233445566778899aabbccddee\n".utf8))
        let shortServer = try TestProcess.run([Binaries.rshd, "--key-file", short])
        #expect(shortServer.shellStatus == 1)
        #expect(shortServer.stderr.contains("at least 16"))
    }

    /// Not in blocking mode: it serves one connection at a time, so at most one
    /// is ever in its handshake, and the others wait in the listen backlog.
    @Test("connections still in their TLS handshake are capped; past the cap they are told busy",
          arguments: keyed.filter { $0.mode != .blocking })
    func unauthenticatedCap(_ setup: Setup) throws {
        let server = try ServerProcess(setup.mode, ["--max-unauthenticated", "2", "--key-file", TestKey.path])
        var idle = try (0..<2).map { _ in try TestClient(port: server.port) }
        // The start of a ClientHello, and no more.
        for client in idle { try client.sendRaw([0x16, 0x03, 0x01]) }
        SystemThread.pause(for: .milliseconds(200))
        #expect(framesUntilClosed(try TestClient(port: server.port)).first?["code"] == "busy")
        // When those go away, their places are free again.
        idle.removeAll()
        SystemThread.pause(for: .milliseconds(200))
        let client = try TestClient(port: server.port, tls: .preSharedKey(TestKey.bytes))
        try client.handshake()
        #expect(try client.run("echo in").stdoutText == "in\n")
    }

    @Test("a truncated or slow TLS handshake is cut by the handshake deadline", arguments: keyed, [false, true])
    func handshakeDeadline(_ setup: Setup, slow: Bool) throws {
        let server = try ServerProcess(setup.mode, ["--key-file", TestKey.path, "--handshake-timeout", "0.5"])
        let client = try TestClient(port: server.port)
        // A real ClientHello's first bytes: held (truncated), or one byte every 100 ms (slow).
        let hello = try TestClient.clientHello()
        let start = ContinuousClock.now
        if slow {
            for byte in hello.prefix(20) {
                guard (try? client.sendRaw([byte])) != nil else { break }
                SystemThread.pause(for: .milliseconds(100))
            }
        } else {
            try client.sendRaw(Array(hello.prefix(hello.count / 2)))
        }
        #expect(framesUntilClosed(client).isEmpty)
        #expect(start.duration(to: .now) < .seconds(4))
        #expect(eventually { server.log.contains("handshake not finished within 0.5 seconds") })
        #expect(try server.rsh(["echo", "still"], options: ["--key-file", TestKey.path]).stdout == "still\n")
    }

    @Test("a proxy's capture of a TLS session holds neither the command nor its output; of a plain one, both",
          arguments: [Setup.Security.publicKey, .preSharedKey])
    func captureHasNoPlaintext(_ security: Setup.Security) throws {
        let setup = Setup(mode: .threaded, security: security)
        let secret = "s3cret-\(UInt32.random(in: 0...UInt32.max))"
        let command = "echo \(secret) | rev"
        let output = String(secret.reversed())
        func capture(_ options: [String], port: UInt16) throws -> (sent: [UInt8], received: [UInt8]) {
            let relay = try TLSRelay(to: port)
            let rsh = try TestProcess.run([Binaries.rsh] + options + ["127.0.0.1:\(relay.port)", command])
            #expect(rsh.stdout == output + "\n", "\(rsh.stderr)")
            return (relay.clientBytes, relay.serverBytes)
        }
        func holds(_ bytes: [UInt8], _ text: String) -> Bool { bytes.firstRange(of: Array(text.utf8)) != nil }
        // The relay's port is not the server's: its known_hosts line is the server's key under the relay's name.
        let relayedKnownHosts = Scratch.path("known_hosts")
        try createNewFile(relayedKnownHosts, mode: 0o600, Array("[127.0.0.1]:* \(setup.server.hostKey.openSSHLine())\n".utf8))
        let tls = try capture(setup.rshOptions + ["--known-hosts", relayedKnownHosts], port: setup.server.port)
        #expect(!holds(tls.sent, secret) && !holds(tls.sent, "echo"))
        #expect(!holds(tls.received, output) && !holds(tls.received, "stdout"))
        // The same through a server that speaks in clear: the capture would show both.
        let plain = try capture(["--plain"], port: Setup(mode: .threaded, security: .plain).server.port)
        #expect(holds(plain.sent, command), "\(plain.sent)")
        // The output may come in several frames: read them as anyone on the path could.
        var decoder = FrameDecoder()
        decoder.feed(plain.received)
        var stdout: [UInt8] = []
        while let frame = try decoder.next() {
            if frame.type == "stdout" { stdout += frame.body }
        }
        #expect(stdout == Array((output + "\n").utf8), "\(plain.received)")
    }
}
