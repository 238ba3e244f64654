import Foundation
import RemoteShell
import RSHCrypto
import RSHProtocol
import RSHSystem
import Testing

/// A file the attacks' commands would create: if it exists, something ran.
func marker() -> String { Scratch.path("marker") }
func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

/// A TCP relay between a client and a server that flips one bit of the client's
/// stream: bit 0 of the first "t" of the first "touch" it sees.
final class BitFlippingRelay: @unchecked Sendable {
    let port: UInt16
    private let listener: FileDescriptor
    private var threads: [SystemThread] = []

    init(to serverPort: UInt16) throws {
        listener = try FileDescriptor.listeningSocket(at: .ipv4(host: "127.0.0.1", port: 0))
        try listener.setNonBlocking(false)
        port = try listener.localAddress().port!
        threads.append(try SystemThread.start { [listener] in
            guard let (client, _) = try? listener.acceptConnection(),
                  let server = try? FileDescriptor.connectedSocket(to: .ipv4(host: "127.0.0.1", port: serverPort)) else { return }
            try? client.setNonBlocking(false)
            let back = try? SystemThread.start { Self.copy(from: server, to: client, flipping: false) }
            Self.copy(from: client, to: server, flipping: true)
            back?.join()
            client.closeAfterUse()
            server.closeAfterUse()
        })
    }

    deinit { listener.closeAfterUse() }

    private static func copy(from source: FileDescriptor, to destination: FileDescriptor, flipping: Bool) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var flipped = false
        while let count = try? buffer.withUnsafeMutableBytes({ try source.read(into: $0) }), count > 0 {
            var chunk = Array(buffer[..<count])
            if flipping, !flipped, let index = chunk.firstRange(of: Array("touch".utf8))?.lowerBound {
                chunk[index] ^= 0x01
                flipped = true
            }
            guard (try? destination.sendAll(chunk)) != nil else { break }
        }
        try? destination.shutdownWriting()
    }
}

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

@Suite("Security: authentication and integrity, through real sockets")
struct SecurityTests {
    static let keyed = ServerMode.allCases.map { Setup(mode: $0, security: .preSharedKey) }

    @Test("a wrong key is refused, and what it sent is never run", arguments: keyed)
    func wrongKey(_ setup: Setup) throws {
        let path = marker()
        let client = try TestClient(port: setup.server.port, key: Array("not the key but long enough".utf8))
        try client.send(Limits.preface + ClientMessage.hello(version: 1, client: nil).encoded)
        let hello = try client.readFrame()
        let challenge = try #require(hello["challenge"]?.stringValue.flatMap(Hex.decode))
        let nonce = try randomBytes(32)
        let proof = Handshake.clientProof(HMACSHA256(key: client.key!), challenge: challenge, nonce: nonce)
        // The command follows at once, without waiting for auth_ok.
        try client.send(ClientMessage.auth(nonce: nonce, proof: proof).encoded
                        + ClientMessage.exec(ExecRequest(id: 1, command: .shell("touch \(path)"))).encoded)
        let frames = framesUntilClosed(client)
        #expect(frames.map { $0["code"]?.stringValue } == ["auth_failed"])
        expectNeverRan(path, on: setup.server)
        #expect(setup.server.log.contains("authentication failed"))
    }

    @Test("a command sent without any key is refused before anything runs", arguments: keyed)
    func noKey(_ setup: Setup) throws {
        let path = marker()
        let client = try TestClient(port: setup.server.port)
        try client.send(Limits.preface + ClientMessage.hello(version: 1, client: nil).encoded
                        + ClientMessage.exec(ExecRequest(id: 1, command: .shell("touch \(path)"))).encoded)
        let frames = framesUntilClosed(client)
        #expect(frames.map(\.type) == ["hello", "error"])
        #expect(frames.last?["code"] == "auth_required")
        expectNeverRan(path, on: setup.server)
    }

    @Test("a recorded session replayed on a new connection runs nothing", arguments: keyed)
    func replay(_ setup: Setup) throws {
        let path = marker()
        var transcript: [UInt8] = []
        do {
            // Closed before the replay: blocking mode serves one connection at a time.
            let original = try setup.client()
            try original.handshake()
            #expect(try original.run("touch \(path)").code == 0)
            transcript = original.transcript
        }
        #expect(exists(path))
        try FileManager.default.removeItem(atPath: path)
        let replayer = try TestClient(port: setup.server.port)
        try replayer.send(transcript)
        let frames = framesUntilClosed(replayer)
        #expect(frames.last?["code"] == "auth_failed")
        SystemThread.pause(for: .milliseconds(300))
        #expect(!exists(path))
        #expect(setup.server.commandsRun(containing: path) == 1, "only the original run")
    }

    @Test("one flipped bit after the handshake ends the connection, and the command never runs", arguments: keyed)
    func flippedBit(_ setup: Setup) throws {
        let path = marker()
        let relay = try BitFlippingRelay(to: setup.server.port)
        let rsh = try TestProcess.run([Binaries.rsh, "--key-file", TestKey.path, "127.0.0.1:\(relay.port)", "touch \(path)"])
        #expect(rsh.shellStatus == 255)
        #expect(rsh.stderr.contains("integrity_failed"), "\(rsh.stderr)")
        expectNeverRan(path, on: setup.server)
        #expect(setup.server.log.contains("failed its integrity check"))
    }

    @Test("a frame whose trailer never completes is never run", arguments: keyed)
    func truncatedTrailer(_ setup: Setup) throws {
        let path = marker()
        do {
            let client = try setup.client()
            try client.handshake()
            let frame = client.sealed(.exec(ExecRequest(id: 1, command: .shell("touch \(path)"))))
            try client.send(Array(frame.dropLast(5)))
            SystemThread.pause(for: .milliseconds(300))
        }
        expectNeverRan(path, on: setup.server)
    }

    @Test("the real client authenticates and runs commands with the key, in every mode", arguments: keyed)
    func realClient(_ setup: Setup) throws {
        let rsh = try TestProcess.run([Binaries.rsh, "--key-file", TestKey.path, setup.server.address, "echo keyed"])
        #expect(rsh.stdout == "keyed\n")
        let fromEnvironment = try TestProcess.run([Binaries.rsh, setup.server.address, "echo via env"],
                                                  environment: TestHome.environment + ["RSH_KEY_FILE=\(TestKey.path)"])
        #expect(fromEnvironment.stdout == "via env\n")
        let keyless = try TestProcess.run([Binaries.rsh, setup.server.address, "true"])
        #expect(keyless.shellStatus == 255)
        #expect(keyless.stderr.contains("requires a key"))
    }

    @Test("a client with a key refuses a server without one (authentication is mutual)")
    func mutual() throws {
        let server = try ServerProcess(.coroutine)
        let rsh = try TestProcess.run([Binaries.rsh, "--key-file", TestKey.path, server.address, "true"])
        #expect(rsh.shellStatus == 255)
        #expect(rsh.stderr.contains("does not authenticate itself"))
    }

    @Test("a keyed server refuses classic connections")
    func classicRefused() throws {
        let client = try TestClient(port: Setup(mode: .coroutine, security: .preSharedKey).server.port, classic: true)
        try client.send(Array("echo hi".utf8))
        let reply = try client.readFrame()
        #expect(reply["exit_code"] == 255)
        #expect(String(decoding: reply.body, as: UTF8.self).contains("not accepted"))
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
        guard ProcessIdentity.effectiveUserID == 0, FileDescriptor.isExecutable("/usr/bin/setpriv") else {
            // Needs root (to become another user) and setpriv.
            return
        }
        // Open the file mode, so that only the SO_PEERCRED check stands in the way.
        chmod(path, 0o666)
        let copy = Scratch.path("rsh")
        try FileManager.default.copyItem(atPath: Binaries.rsh, toPath: copy)
        chmod(copy, 0o755)
        let stranger = try TestProcess.run(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", copy,
                                            "unix:" + path, "echo should not run"])
        #expect(stranger.shellStatus == 255)
        #expect(stranger.stderr.contains("forbidden"))
        #expect(process.stderr.contains("refused peer=uid:65534"))
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
    @Test("connections still in their handshake are capped; past the cap they are told busy",
          arguments: keyed.filter { $0.mode != .blocking })
    func unauthenticatedCap(_ setup: Setup) throws {
        let server = try ServerProcess(setup.mode, ["--max-unauthenticated", "2", "--key-file", TestKey.path])
        var idle = try (0..<2).map { _ in try TestClient(port: server.port) }
        for client in idle { try client.send(Limits.preface) }
        SystemThread.pause(for: .milliseconds(200))
        #expect(framesUntilClosed(try TestClient(port: server.port)).first?["code"] == "busy")
        // When those go away, their places are free again.
        idle.removeAll()
        SystemThread.pause(for: .milliseconds(200))
        let client = try TestClient(port: server.port, key: TestKey.bytes)
        try client.handshake()
        #expect(try client.run("echo in").stdoutText == "in\n")
    }

    @Test("a handshake that does not finish in time is closed", arguments: keyed)
    func handshakeDeadline(_ setup: Setup) throws {
        let server = try ServerProcess(setup.mode, ["--key-file", TestKey.path, "--handshake-timeout", "0.5"])
        let client = try TestClient(port: server.port)
        try client.send(Limits.preface + ClientMessage.hello(version: 1, client: nil).encoded)
        let start = ContinuousClock.now
        let frames = framesUntilClosed(client)
        #expect(frames.map(\.type) == ["hello", "error"])
        #expect(frames.last?["code"] == "handshake_timeout")
        #expect(start.duration(to: .now) < .seconds(5))
    }
}
