import Foundation
import RemoteShell
import RSHProtocol
import RSHSystem
import Testing

/// Clients that flood the server, read slowly, or break the protocol while
/// their commands run, and a shutdown while such clients hold connections.
/// Every test has a server of its own, in every mode, in clear and over TLS,
/// so that its memory, log and process tree are its own.
@Suite("Robustness: hostile clients")
struct HostileClientTests {
    /// Sends `bytes` over and over for `duration` without reading anything,
    /// never blocking for long: the server may stop reading at any moment.
    /// Over TLS each round is encrypted anew (a record is never sent twice).
    private static func flood(_ client: TestClient, with bytes: [UInt8], for duration: Duration) throws {
        try client.socket.setNonBlocking()
        let deadline = ContinuousClock.now + duration
        var wire: [UInt8] = []
        var offset = 0
        while ContinuousClock.now < deadline {
            if offset == wire.count {
                wire = client.tls == nil ? bytes : try client.records(bytes)
                offset = 0
            }
            let sent = try wire.withUnsafeBytes { raw in try client.socket.trySend(UnsafeRawBufferPointer(rebasing: raw[offset...])) }
            if let sent {
                offset += sent
            } else {
                _ = try client.socket.poll(for: .writable, timeoutMilliseconds: 100)
            }
        }
    }

    private static let pings = (0..<2048).flatMap { _ in ClientMessage.ping.encoded }
    /// The send queue holds at most its high-water mark (256 KiB) and one
    /// read's worth of replies; the rest is room for the allocator. (A debug
    /// server without the bound grows by ~2 MiB a second under these floods.)
    private static let memoryBound = 8 << 20

    @Test("pings sent at full speed do not grow the server's memory, whether the client reads nothing or 256 KiB a second",
          arguments: ServerMode.allCases, Wire.allCases.flatMap { wire in [0, 256 * 1024].map { (wire, $0) } })
    func pingFlood(_ mode: ServerMode, _ reader: (wire: Wire, readPerSecond: Int)) throws {
        let (wire, readPerSecond) = reader
        let server = try ServerProcess(mode, ["--log-level", "notice"] + wire.serverOptions)
        #expect(try server.answers())
        let before = server.statistics.residentBytes ?? 0
        do {
            let client = try server.client()
            try client.handshake()
            let socket = client.socket
            let reader = try SystemThread.start {
                guard readPerSecond > 0 else { return }
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: readPerSecond / 16, alignment: 16)
                defer { buffer.deallocate() }
                let deadline = ContinuousClock.now + .seconds(10)
                while ContinuousClock.now < deadline {
                    _ = try? socket.tryRead(into: buffer)
                    SystemThread.pause(for: .milliseconds(62))
                }
            }
            try Self.flood(client, with: Self.pings, for: .seconds(10))
            reader.join()
            let growth = (server.statistics.residentBytes ?? 0) - before
            #expect(growth < Self.memoryBound, "the server grew by \(growth >> 20) MiB under a ping flood")
        }
        // The flooding client is gone (blocking mode serves one connection at a time).
        #expect(try server.answers())
    }

    @Test("a command keeps getting its stdin after the process that started it has exited",
          arguments: ServerMode.allCases)
    func stdinAfterLeaderExit(_ mode: ServerMode) throws {
        let server = try ServerProcess(mode, ["--log-level", "notice"])
        let client = try TestClient(port: server.port)
        try client.handshake()
        // The shell exits at once; its background job reads all of stdin later.
        let result = try client.run("exec 3<&0; { sleep 0.3; wc -c <&3; } &", stdin: Array(repeating: UInt8(ascii: "x"), count: 1 << 20))
        #expect(result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == "1048576")
        #expect(result.code == 0)
    }

    @Test("after a fatal error the server sends nothing more: no output, no exit, only the close",
          arguments: ServerMode.allCases, Wire.allCases)
    func nothingAfterFatalError(_ mode: ServerMode, _ wire: Wire) throws {
        let server = try ServerProcess(mode, ["--log-level", "notice"] + wire.serverOptions)
        let client = try server.client()
        try client.handshake()
        try client.send(.exec(ExecRequest(id: 1, command: .argv(["yes"]))))
        SystemThread.pause(for: .milliseconds(500))
        try client.send([0, 0, 0, 0])  // a header length of 0: bad_frame
        let frames = try client.readUntilClosed(timeout: .seconds(20))
        let error = try #require(frames.firstIndex { $0.type == "error" }, "no error frame among \(frames.count)")
        #expect(frames[error]["code"] == .string("bad_frame"))
        let after = frames[(error + 1)...].map(\.type)
        #expect(after.isEmpty, "frames after the fatal error: \(Set(after))")
    }

    @Test("at shutdown, clients that read nothing are dropped once the grace period ends, and their commands torn down",
          arguments: ServerMode.allCases, Wire.allCases)
    func shutdownWithSilentClients(_ mode: ServerMode, _ wire: Wire) throws {
        let server = try ServerProcess(mode, ["--log-level", "notice", "--grace", "1"] + wire.serverOptions)
        var clients: [TestClient] = []
        // Blocking mode serves one connection at a time; the others wait in the backlog.
        for _ in 0..<(mode == .blocking ? 1 : 5) {
            let client = try server.client()
            try client.handshake()
            try client.exec("echo $$; trap '' TERM; sleep 100")
            _ = try client.readFrame()
            try client.exec("yes")
            clients.append(client)
        }
        SystemThread.pause(for: .milliseconds(500))
        let start = ContinuousClock.now
        let status = server.stop(timeout: .seconds(40))
        #expect(status != nil, "rshd did not exit")
        // grace (1 s) for the commands, the teardown's grace (1 s) before KILL, and grace for the send queues.
        #expect(start.duration(to: .now) < .seconds(8), "rshd took \(start.duration(to: .now)) to stop")
        #expect(!server.process.isRunning)
        _ = clients
    }
}
