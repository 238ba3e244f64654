import Foundation
import RemoteShell
import RSHProtocol
import RSHSystem
import RSHTestSupport
import Testing

/// Slow, vanishing and overwhelming clients, and misbehaving commands, in
/// clear and over TLS. SECURITY.md says what each test demonstrates. Every test has a server of its own, so that its
/// descriptor and thread counts can be compared with a baseline.
@Suite("Robustness: faults and load")
struct FaultTests {
    @Test("slowloris: connections trickling bytes are closed by their deadline; a normal client still gets in; descriptors return",
          arguments: [ServerMode.threaded, .coroutine], Wire.allCases)
    func slowloris(_ mode: ServerMode, _ wire: Wire) throws {
        let server = try ServerProcess(mode, ["--max-unauthenticated", "20", "--handshake-timeout", "1", "--frame-timeout", "1",
                                              "--log-level", "notice"] + wire.serverOptions)
        let baseline = server.descriptorCount
        // The preface and hello, or a ClientHello: the very first bytes, a byte at a time.
        let opening = wire.opening
        let port = server.port
        let trickle = try SystemThread.start {
            // 120 connections, 100 more than the cap, each sending one byte every 0.4 s.
            var clients = (0..<120).compactMap { _ in try? TestClient(port: port) }
            for step in 0..<opening.count {
                clients.removeAll { client in (try? client.sendRaw([opening[step]])) == nil }
                if clients.isEmpty { break }
                SystemThread.pause(for: .milliseconds(400))
            }
        }
        SystemThread.pause(for: .milliseconds(300))
        let start = ContinuousClock.now
        var served = false
        while !served, start.duration(to: .now) < .seconds(5) {
            served = (try? server.answers()) ?? false
            if !served { SystemThread.pause(for: .milliseconds(100)) }
        }
        #expect(served)
        #expect(start.duration(to: .now) < .seconds(2), "a normal client waited \(start.duration(to: .now))")
        trickle.join()
        #expect(server.settles(to: baseline), "descriptors: \(baseline) before, \(server.descriptorCount) after (\(server.descriptorKinds))")
    }

    @Test("blocking mode: a slowloris holds the one-at-a-time server for at most the handshake deadline")
    func slowlorisBlocking() throws {
        let server = try ServerProcess(.blocking, ["--handshake-timeout", "1", "--log-level", "notice"])
        let slow = try TestClient(port: server.port)
        try slow.send([0])
        let start = ContinuousClock.now
        #expect(try server.answers())
        #expect(start.duration(to: .now) < .seconds(3))
        _ = slow
    }

    @Test("churn: connect/close cycles and resets in the middle of commands leave no descriptor, zombie or process behind",
          arguments: ServerMode.allCases, Wire.allCases)
    func churn(_ mode: ServerMode, _ wire: Wire) throws {
        let server = try ServerProcess(mode, ["--log-level", "notice", "--max-unauthenticated", "1000"] + wire.serverOptions)
        #expect(try server.answers())
        let baseline = server.descriptorCount
        let port = server.port
        let opening = Array(wire.opening.prefix(wire == .tls ? 100 : 4))
        let cycles = Torture.size(1_000, 20_000)
        concurrently(4) { worker in
            for index in stride(from: worker, to: cycles, by: 4) {
                guard let client = try? TestClient(port: port) else { continue }
                if index % 3 == 0 { try? client.sendRaw(opening) }
                if index % 5 == 0 { try? client.socket.setResetOnClose() }
            }
        }
        let resets = Torture.size(100, 5_000)
        concurrently(mode == .blocking ? 1 : 4) { worker in
            for _ in stride(from: worker, to: resets, by: mode == .blocking ? 1 : 4) {
                guard let client = try? server.client(), (try? client.handshake()) != nil else { continue }
                _ = try? client.exec("echo started; sleep 30")
                _ = try? client.readFrame(timeout: .seconds(10))
                try? client.socket.setResetOnClose()
            }
        }
        #expect(try server.answers())
        #expect(server.settles(to: baseline, timeout: .seconds(20)), "descriptors: \(baseline) before, \(server.descriptorCount) after (\(server.descriptorKinds))")
        #expect(eventually(timeout: .seconds(10)) { server.statistics.children.isEmpty })
    }

    @Test("a client that sends a command and its end of file at once: the server reads both, ends the command and closes",
          arguments: ServerMode.allCases, Wire.allCases)
    func commandThenEndOfFile(_ mode: ServerMode, _ wire: Wire) throws {
        // The request and the FIN reach the server together, so one wake-up
        // reports both: a reader that stops after a short read (the request)
        // must still find the end of file behind it.
        let server = try ServerProcess(mode, wire.serverOptions)  // info: a log line per finished command
        #expect(try server.answers())
        let baseline = server.descriptorCount
        let clients = Torture.size(20, 200)
        for _ in 0..<clients {
            let client = try server.client()
            try client.handshake()
            try client.exec("sleep 30")
            try client.socket.shutdownWriting()
        }
        // Each `sleep 30` was started and ended with its client, long before its 30 s.
        #expect(eventually(timeout: .seconds(10)) { server.commandsRun(containing: "sleep 30") == clients },
                "\(server.commandsRun(containing: "sleep 30")) of \(clients) commands ended")
        #expect(eventually(timeout: .seconds(10)) { server.statistics.children.isEmpty })
        #expect(server.settles(to: baseline, timeout: .seconds(10)), "descriptors: \(baseline) before, \(server.descriptorCount) after (\(server.descriptorKinds))")
        #expect(try server.answers())
    }

    @Test("out of descriptors: no busy loop while accept fails, and service resumes once descriptors free up",
          arguments: [ServerMode.threaded, .coroutine], Wire.allCases)
    func descriptorExhaustion(_ mode: ServerMode, _ wire: Wire) throws {
        let server = try ServerProcess(mode, ["--max-unauthenticated", "1000", "--log-level", "notice"] + wire.serverOptions,
                                       descriptorLimit: 256)
        let opening = wire.opening
        var clients = try (0..<300).map { _ in try TestClient(port: server.port) }
        for client in clients { try? client.sendRaw(opening) }
        SystemThread.pause(for: .milliseconds(500))
        let before = server.statistics.cpuSeconds ?? 0
        SystemThread.pause(for: .seconds(2))
        let used = (server.statistics.cpuSeconds ?? 0) - before
        #expect(used < 0.4, "the server used \(used) s of CPU in 2 s while out of descriptors")
        #expect(server.log.contains("out of descriptors"))
        clients.removeAll()
        #expect(eventually(timeout: .seconds(10)) { (try? server.answers()) ?? false })
    }

    @Test("a client that stops reading: memory stays flat, the command blocks, and the stall timeout tears it down",
          arguments: ServerMode.allCases, Wire.allCases)
    func slowReader(_ mode: ServerMode, _ wire: Wire) throws {
        let server = try ServerProcess(mode, ["--write-stall-timeout", "3", "--log-level", "notice"] + wire.serverOptions)
        #expect(try server.answers())
        let before = server.statistics.residentBytes ?? 0
        let client = try server.client()
        try client.handshake()
        try client.exec("echo $$; exec cat /dev/zero")
        // The first line is the shell's pid; the first zeros may share its frame.
        var head: [UInt8] = []
        while !head.contains(UInt8(ascii: "\n")) { head += try client.readFrame().body }
        let group = try #require(Int32(String(decoding: head.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)))
        // Read nothing more.
        SystemThread.pause(for: .milliseconds(1500))
        let growth = (server.statistics.residentBytes ?? 0) - before
        #expect(growth < 4 << 20, "the server grew by \(growth) bytes")
        let state = readTextFile("/proc/\(group)/stat").flatMap { $0.split(separator: ")").last?.split(separator: " ").first }
        #expect(state == "S", "the command should be blocked on its full pipe, not running")
        #expect(eventually(timeout: .seconds(8)) { processesInGroup(group).isEmpty }, "torn down after the stall timeout")
        #expect(server.log.contains("read nothing for") || server.log.contains("read only"))
    }

    @Test("a client that stops reading, then sends a bad frame: the server does not spin, serves others, and the stall timeout ends it",
          arguments: ServerMode.allCases, Wire.allCases)
    func slowReaderThenBadFrame(_ mode: ServerMode, _ wire: Wire) throws {
        // One event loop in coroutine mode, so that a stuck loop would also
        // keep the next client out.
        let server = try ServerProcess(mode, ["--write-stall-timeout", "3", "--log-level", "notice", "--loops", "1"] + wire.serverOptions)
        let client = try server.client()
        try client.handshake()
        try client.exec("exec cat /dev/zero")
        _ = try client.readFrame()
        // Read nothing more, until the socket's buffers are full; then a frame
        // with an impossible header length: the server answers bad_frame and
        // wants to close, but cannot send its last frames.
        SystemThread.pause(for: .milliseconds(1000))
        try client.send([0, 0, 0, 0])
        SystemThread.pause(for: .milliseconds(200))
        let before = server.statistics.cpuSeconds ?? 0
        SystemThread.pause(for: .milliseconds(1000))
        let used = (server.statistics.cpuSeconds ?? 0) - before
        #expect(used < 0.5, "the server used \(used) s of CPU in 1 s while waiting for the client")
        #expect(try server.answers())
        #expect(eventually(timeout: .seconds(8)) { server.log.contains("read nothing for") || server.log.contains("read only") })
    }

    @Test("a timeout ends a command, even one that ignores TERM, within timeout + grace",
          arguments: ServerMode.allCases, ["sleep 1000", "trap '' TERM; sleep 1000"])
    func deadline(_ mode: ServerMode, _ command: String) throws {
        let server = try ServerProcess(mode, ["--log-level", "notice"])
        let client = try TestClient(port: server.port)
        try client.handshake()
        let start = ContinuousClock.now
        let result = try client.run(command, timeoutMilliseconds: 1000)
        #expect(result.exit?["timed_out"] == true)
        #expect(start.duration(to: .now) < .seconds(4))
    }

    @Test("reap storm: every exit code right, no zombie, descriptors and threads back to where they were",
          arguments: ServerMode.allCases, Wire.allCases)
    func reapStorm(_ mode: ServerMode, _ wire: Wire) throws {
        // Hundreds of clients connect at once: past the default cap of 64
        // connections in their handshake some would be told `busy`.
        let server = try ServerProcess(mode, ["--log-level", "notice", "--max-unauthenticated", "1000"] + wire.serverOptions)
        // Descriptors and threads after the first command: the first spawn
        // opens the /dev/null every child's stdin shares, and the event
        // loops' threads are all up (the log's "listening" may come first);
        // in threaded mode, once that command's connection thread is gone.
        #expect(try server.answers())
        let baseline = (descriptors: server.descriptorCount, threads: server.settledThreadCount())
        let clients = Torture.size(20, 200), commands = Torture.size(10, 50)
        let wrong = Tally()
        concurrently(clients) { client in
            guard let connection = try? server.client(), (try? connection.handshake(timeout: Self.patience(mode))) != nil else {
                wrong.add(commands)
                return
            }
            for command in 0..<commands {
                let n = client * commands + command
                if (try? connection.run("exit $((\(n) % 256))").code) != Int64(n % 256) { wrong.add(1) }
            }
        }
        #expect(wrong.value == 0)
        #expect(server.settles(to: baseline.descriptors, timeout: .seconds(20)))
        #expect(eventually(timeout: .seconds(10)) { server.statistics.threadCount == baseline.threads },
                "threads: \(baseline.threads) before, \(server.statistics.threadCount ?? -1) after")
    }

    /// How long a client waits for its hello: in blocking mode every client
    /// waits in the backlog until all those before it have finished.
    static func patience(_ mode: ServerMode) -> Duration { mode == .blocking ? .seconds(900) : .seconds(30) }

    /// Four pairs of 1 MiB files of random bytes, made once.
    static let payloads: [(stdout: String, stderr: String, bytes: ([UInt8], [UInt8]))] = (0..<4).map { _ in
        var generator = SystemRandomNumberGenerator()
        let out = (0..<1_048_576).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let err = (0..<1_048_576).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let outPath = Scratch.path("out"), errPath = Scratch.path("err")
        try! Data(out).write(to: URL(fileURLWithPath: outPath))
        try! Data(err).write(to: URL(fileURLWithPath: errPath))
        return (outPath, errPath, (out, err))
    }

    @Test("nothing lost under load: many clients, 1 MiB on each stream per command, every byte in order",
          arguments: ServerMode.allCases, Wire.allCases)
    func nothingLost(_ mode: ServerMode, _ wire: Wire) throws {
        let server = try ServerProcess(mode, ["--log-level", "notice", "--max-unauthenticated", "1000"] + wire.serverOptions)
        let clients = Torture.size(10, 100), commands = Torture.size(3, 20)
        let wrong = Tally()
        let payloads = Self.payloads
        concurrently(clients) { client in
            guard let connection = try? server.client(), (try? connection.handshake(timeout: Self.patience(mode))) != nil else {
                wrong.add(commands)
                return
            }
            for command in 0..<commands {
                let payload = payloads[(client + command) % payloads.count]
                guard let result = try? connection.run("cat \(payload.stdout) & cat \(payload.stderr) >&2; wait"),
                      result.stdout == payload.bytes.0, result.stderr == payload.bytes.1, result.code == 0 else {
                    wrong.add(1)
                    continue
                }
            }
        }
        #expect(wrong.value == 0, "\(wrong.value) commands lost or changed bytes")
    }

    @Test("clients that close in the middle of a stream never bring the server down (SIGPIPE, EPIPE, ECONNRESET)",
          arguments: ServerMode.allCases, Wire.allCases)
    func brokenPipes(_ mode: ServerMode, _ wire: Wire) throws {
        let server = try ServerProcess(mode, ["--log-level", "notice", "--max-unauthenticated", "1000"] + wire.serverOptions)
        #expect(try server.answers())
        let baseline = server.descriptorCount
        let clients = Torture.size(100, 1_000)
        concurrently(mode == .blocking ? 1 : 4) { worker in
            let workers = mode == .blocking ? 1 : 4
            for index in stride(from: worker, to: clients, by: workers) {
                guard let client = try? server.client(), (try? client.handshake()) != nil else { continue }
                _ = try? client.exec("cat /dev/zero")
                _ = try? client.readFrame(timeout: .seconds(10))
                if index % 2 == 0 { try? client.socket.setResetOnClose() }
            }
        }
        #expect(server.process.isRunning)
        #expect(try server.answers())
        #expect(server.settles(to: baseline, timeout: .seconds(20)))
    }

    @Test("rshd started with SIGCHLD ignored (a disposition execve keeps) still reaps its commands and reports their status",
          arguments: ServerMode.allCases)
    func inheritedIgnoredChildSignal(_ mode: ServerMode) throws {
        // An ignored SIGCHLD would have the kernel reap every child by itself.
        let ignoringParent = ["python3", "-c",
                              "import os, signal, sys; signal.signal(signal.SIGCHLD, signal.SIG_IGN); os.execv(sys.argv[1], sys.argv[1:])"]
        let server = try ServerProcess(mode, ["--log-level", "notice"], launcher: ignoringParent)
        let inherited = try #require(readTextFile("/proc/\(server.processID)/status")?.split(separator: "\n")
            .first { $0.hasPrefix("SigIgn:") }.flatMap { UInt64($0.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16) })
        #expect(inherited & (1 << (SIGCHLD - 1)) == 0, "rshd still ignores SIGCHLD")
        let client = try TestClient(port: server.port)
        try client.handshake()
        #expect(try client.run("exit 7").code == 7)
        #expect(try client.run("kill -TERM $$").signal == "TERM")
        #expect(try client.run("echo still here").stdoutText == "still here\n")
        #expect(server.process.isRunning)
        #expect(eventually { server.statistics.children.isEmpty })
    }

    @Test("a cwd that exists but may not be entered is bad_cwd, not spawn_failed (rshd as nobody)",
          .enabled(if: ProcessIdentity.effectiveUserID == 0 && FileDescriptor.isExecutable("/usr/bin/setpriv"),
                   "needs root, to start rshd as another user with setpriv"),
          arguments: ServerMode.allCases)
    func unenterableDirectory(_ mode: ServerMode) throws {
        // Root may enter any directory; nobody may not enter one of root's with mode 0700.
        let closed = Scratch.path("closed")
        try createDirectory(closed)
        #expect(chmod(closed, 0o700) == 0)
        // A host key of nobody's own: the tests' home is root's.
        let keys = Scratch.path("nobody-keys")
        try createDirectory(keys)
        #expect(chmod(keys, 0o777) == 0)
        let server = try ServerProcess(mode, ["--log-level", "notice", "--host-key", keys + "/host_ed25519"],
                                       launcher: ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"])
        let client = try TestClient(port: server.port)
        try client.handshake()
        // "ls" is executed directly, "true; ls" by the shell: both enter the directory first.
        for command in ["ls", "true; ls"] {
            let refused = try client.run(command, directory: closed)
            #expect(refused.error?["code"] == "bad_cwd", "\(command): \(refused.error?.header ?? [:])")
            #expect(refused.error?["message"]?.stringValue?.contains("Permission denied") == true)
            #expect(refused.exit == nil)
        }
        #expect(try client.run("ls -d .", directory: Scratch.directory).stdoutText == ".\n")
        #expect(try client.run("id -u").stdoutText == "65534\n")
    }
}
