import Foundation
import RemoteShell
import RSHProtocol
import RSHSystem
import Testing

/// Bad input, in every mode, in clear and over TLS: impossible lengths,
/// lying headers, truncations, flipped bits, and frames delivered a byte at a
/// time. SECURITY.md says what each test demonstrates.
@Suite("Robustness: bad input")
struct BadInputTests {
    /// A v1 client's first bytes: the preface and hello.
    static let opening = Limits.preface + ClientMessage.hello(version: 1, client: nil).encoded

    @Test("impossible header lengths get bad_frame or a close within 1 s; memory stays flat; the server goes on",
          arguments: ServerMode.allCases, Wire.allCases)
    func lengthFields(_ mode: ServerMode, _ wire: Wire) throws {
        // The cap on connections in their handshake (default 64) would answer
        // some of the 100 `busy`; this test is about the length fields.
        let server = try ServerProcess(mode, ["--log-level", "notice", "--max-unauthenticated", "1000"] + wire.serverOptions)
        let lengths: [UInt32] = [0, 65_537, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF]
        let connections = Torture.size(300, 1_000)
        // A blocking server answers one connection at a time, and a TLS
        // client's handshake waits for its answer: one client at a time then.
        let batchSize = mode == .blocking && wire == .tls ? 1 : 100
        for batch in stride(from: 0, to: connections, by: batchSize) {
            var clients = try (batch..<min(connections, batch + batchSize)).map { index -> TestClient? in
                let client = try server.client()
                let length = lengths[index % lengths.count]
                // Half of them before the hello, half after.
                let opening = index % 2 == 0 ? Limits.preface : Limits.preface + ClientMessage.hello(version: 1, client: nil).encoded
                try client.send(opening + withUnsafeBytes(of: length.littleEndian) { Array($0) })
                return client
            }
            let deadline = ContinuousClock.now + .seconds(1)
            for index in clients.indices {
                let frames = try clients[index]!.readUntilClosed(timeout: max(.milliseconds(1), ContinuousClock.now.duration(to: deadline)))
                #expect(frames.last?["code"] == "bad_frame" || frames.isEmpty, "\(frames.map(\.header))")
                clients[index] = nil  // closed at once, as a client does once it has read the error
            }
        }
        #expect((server.statistics.peakResidentBytes ?? .max) < 50 << 20)
        #expect(try server.answers())
    }

    @Test("random bytes after a first byte of 0x16: an alert or a close, within the handshake deadline; no crash, no hang, no leak",
          arguments: ServerMode.allCases)
    func garbageAfterTLSByte(_ mode: ServerMode) throws {
        let server = try ServerProcess(mode, ["--handshake-timeout", "1", "--log-level", "notice", "--max-unauthenticated", "1000"])
        #expect(try server.answers())
        let baseline = server.descriptorCount
        var generator = SystemRandomNumberGenerator()
        // A blocking server holds each connection up to its deadline: fewer there.
        let connections = Torture.size(mode == .blocking ? 30 : 200, mode == .blocking ? 200 : 2_000)
        let batchSize = mode == .blocking ? 1 : 100
        for batch in stride(from: 0, to: connections, by: batchSize) {
            let indices = batch..<min(connections, batch + batchSize)
            let clients = try indices.map { index -> TestClient in
                let client = try TestClient(port: server.port)
                let garbage = [Transport.tlsHandshakeRecord]
                    + (0..<Int.random(in: 0...3000, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                try? client.sendRaw(garbage)
                // Most hang up; some stay, silent, for the deadline to cut.
                if index % 10 != 0 { try? client.socket.shutdownWriting() }
                return client
            }
            let deadline = ContinuousClock.now + .seconds(4)
            for client in clients {
                var received: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 4096)
                var closed = false
                while !closed, ContinuousClock.now < deadline {
                    guard let ready = try? client.socket.poll(for: .readable, timeoutMilliseconds: pollTimeout(until: deadline)),
                          !ready.isEmpty else { break }
                    let count = (try? buffer.withUnsafeMutableBytes { try client.socket.read(into: $0) }) ?? 0
                    if count == 0 { closed = true } else { received += buffer[..<count] }
                }
                #expect(closed, "the server kept a connection of garbage open past its deadline")
                // Nothing, or TLS alert records (content type 21).
                #expect(received.isEmpty || received.first == 21, "\(received.prefix(16))")
            }
        }
        #expect(server.process.isRunning)
        #expect(try server.answers())
        #expect(server.settles(to: baseline), "descriptors: \(baseline) before, \(server.descriptorCount) after (\(server.descriptorKinds))")
    }

    /// Frames that lie about themselves, each an `exec` that would create a marker.
    static func lies(_ marker: String) -> [(String, [UInt8])] {
        let command = "\"cmd\":\"touch \(marker)\""
        func header(_ text: String) -> [UInt8] { rawFrame(text) }
        var lies: [(String, [UInt8])] = [
            ("total_size -1", header(#"{"type":"exec","id":1,"#  + command + #","total_size":-1}"#)),
            ("total_size 1e400", header(#"{"type":"exec","id":1,"# + command + #","total_size":1e400}"#)),
            ("total_size \"5\"", header(#"{"type":"exec","id":1,"# + command + #","total_size":"5"}"#)),
            ("total_size 2^63-1", header(#"{"type":"exec","id":1,"# + command + #","total_size":9223372036854775807}"#)),
            ("total_size 1048577", header(#"{"type":"exec","id":1,"# + command + #","total_size":1048577}"#)),
            ("invalid UTF-8", rawFrameBytes(Array(#"{"type":"exec","id":1,"#.utf8) + Array(command.utf8) + [0xFF, 0xFE]
                                            + Array(#","total_size":0}"#.utf8))),
            ("JSON nested 30,000 deep", header(#"{"type":"exec","id":1,"# + command + #","x":"# + String(repeating: "[", count: 30_000)
                                               + String(repeating: "]", count: 30_000) + #","total_size":0}"#)),
        ]
        // 100,000 deep and 50,000 keys do not fit in a header: their honest
        // length prefix is past the limit, and that alone refuses them.
        let deep = #"{"type":"exec","id":1,"# + command + #","x":"# + String(repeating: "[", count: 100_000) + "}"
        lies.append(("JSON nested 100,000 deep", header(deep)))
        let keys = "{" + (0..<50_000).map { "\"k\($0)\":0" }.joined(separator: ",") + ",\"type\":\"exec\",\"id\":1," + command + ",\"total_size\":0}"
        lies.append(("50,000 keys", header(keys)))
        return lies
    }

    @Test("lying headers get bad_frame; nothing is spawned; the server goes on", arguments: Setup.all)
    func lyingHeaders(_ setup: Setup) throws {
        let marker = Scratch.path("lie")
        for (name, bytes) in Self.lies(marker) {
            let client = try setup.client()
            try client.handshake()
            try client.send(bytes)
            let frames = try client.readUntilClosed(timeout: .seconds(5))
            #expect(frames.last?["code"] == "bad_frame", "\(name): \(frames.map(\.header))")
        }
        SystemThread.pause(for: .milliseconds(200))
        #expect(!FileManager.default.fileExists(atPath: marker))
        #expect(setup.server.commandsRun(containing: marker) == 0)
        let client = try setup.client()
        try client.handshake()
        #expect(try client.run("echo ok").stdoutText == "ok\n")
    }

    /// A client transcript: the preface, hello, and commands with output on both streams.
    static let transcript: [UInt8] = Limits.preface + ClientMessage.hello(version: 1, client: "t").encoded
        + ClientMessage.exec(ExecRequest(id: 1, command: .shell("echo one"))).encoded
        + ClientMessage.exec(ExecRequest(id: 2, command: .shell("echo two >&2; exit 3"))).encoded
        + ClientMessage.exec(ExecRequest(id: 3, command: .shell("cat"), wantsStdin: true)).encoded
        + ClientMessage.stdin(id: 3, data: Array("three\n".utf8)).encoded + ClientMessage.eof(id: 3).encoded

    /// Sends `bytes` then ends the connection's sending side; collects what comes back until the server closes.
    static func run(_ bytes: [UInt8], on server: ServerProcess, holdOpen: Bool = false) throws -> RunResult {
        let client = try server.client()
        try client.send(bytes)
        if !holdOpen { try client.socket.shutdownWriting() }
        var result = RunResult()
        for frame in try client.readUntilClosed(timeout: .seconds(5)) { result.add(frame) }
        return result
    }

    @Test("every truncation of a transcript: a close or an error, never output the full run does not have",
          arguments: ServerMode.allCases, Wire.allCases)
    func truncation(_ mode: ServerMode, _ wire: Wire) throws {
        let server = try ServerProcess(mode, ["--handshake-timeout", "1", "--frame-timeout", "1", "--log-level", "notice"]
                                       + wire.serverOptions)
        // The full run, read until all three commands have ended (shutting the
        // sending side early would count as a disconnect and tear them down).
        var full = RunResult()
        do {
            let client = try server.client()
            try client.send(Self.transcript)
            #expect(try client.readFrame().type == "hello")
            for (id, output) in try client.collect([1, 2, 3]) {
                full.stdout[id] = output.stdout
                full.stderr[id] = output.stderr
                var exit = output.exit?.header ?? [:]
                exit["duration_ms"] = nil
                full.exits[id] = exit
            }
        }
        #expect(full.stdout[3] == Array("three\n".utf8))
        let transcript = Self.transcript
        // Every point, with the sending side then shut: the server must close promptly.
        for cut in 0..<transcript.count {
            let start = ContinuousClock.now
            let partial = try Self.run(Array(transcript.prefix(cut)), on: server)
            #expect(partial.isConsistent(with: full), "cut at \(cut)")
            #expect(start.duration(to: .now) < .seconds(3), "cut at \(cut) took \(start.duration(to: .now))")
        }
        // A few points held open: the handshake or frame deadline closes them.
        for cut in [2, 20, transcript.count - 3] {
            let start = ContinuousClock.now
            let partial = try Self.run(Array(transcript.prefix(cut)), on: server, holdOpen: true)
            #expect(partial.isConsistent(with: full))
            #expect(start.duration(to: .now) < .seconds(4), "held open at \(cut)")
        }
        #expect(try server.answers())
    }

    @Test("single-bit flips in the TLS record that carries an exec: the connection ends, and nothing of it runs",
          arguments: ServerMode.allCases.map { Setup(mode: $0, security: .preSharedKey) })
    func bitFlips(_ setup: Setup) throws {
        // In clear nothing can tell a flipped bit in a command's text from
        // another command; in TLS every record is authenticated. A server of
        // its own, so that its count of commands run covers only these (a
        // flip in the path would make the marker miss a command that ran).
        let server = try ServerProcess(setup.mode, setup.serverOptions)
        let marker = Scratch.path("flip")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<Torture.size(30, 300) {
            let client = try TestClient(port: server.port, tls: .preSharedKey(TestKey.bytes))
            try client.handshake()
            var record = try client.records(ClientMessage.exec(ExecRequest(id: 1, command: .shell("touch \(marker)"))).encoded)
            let bit = Int.random(in: 0..<(record.count * 8), using: &generator)
            record[bit / 8] ^= UInt8(1) << (bit % 8)
            try client.sendRaw(record)
            try client.socket.shutdownWriting()
            // The server sends an alert, or just closes: no frame ever answers the altered record.
            #expect(throws: (any Error).self) { try client.readFrame(timeout: .seconds(5)) }
        }
        SystemThread.pause(for: .milliseconds(200))
        #expect(!FileManager.default.fileExists(atPath: marker))
        #expect(server.commandsRun() == 0)
    }

    @Test("frames written one byte at a time, with pauses, give byte-identical results", arguments: Setup.all)
    func chaoticDelivery(_ setup: Setup) throws {
        func run(chaotic: Bool) throws -> RunResult {
            let client = try setup.client()
            try client.handshake()
            var generator = SystemRandomNumberGenerator()
            let messages: [ClientMessage] = [
                .exec(ExecRequest(id: 1, command: .shell("echo out; echo err >&2; exit 3"))),
                .exec(ExecRequest(id: 2, command: .shell("printf 'a\\nb'"))),
                .exec(ExecRequest(id: 3, command: .shell("tr a-z A-Z"), wantsStdin: true)),
                .stdin(id: 3, data: Array("byte by byte\n".utf8)),
                .eof(id: 3),
            ]
            for message in messages {
                let bytes = message.encoded
                if chaotic {
                    for byte in bytes {
                        try client.send([byte])
                        if Bool.random(using: &generator) { SystemThread.pause(for: .microseconds(Int.random(in: 0...1500, using: &generator))) }
                    }
                } else {
                    try client.send(bytes)
                }
            }
            var result = RunResult()
            for (id, output) in try client.collect([1, 2, 3]) {
                result.stdout[id] = output.stdout
                result.stderr[id] = output.stderr
                var exit = output.exit?.header ?? [:]
                exit["duration_ms"] = nil
                result.exits[id] = exit
            }
            return result
        }
        let normal = try run(chaotic: false)
        #expect(normal.stdout[3] == Array("BYTE BY BYTE\n".utf8))
        #expect(try run(chaotic: true) == normal)
    }
}

/// A length prefix and the given header bytes.
func rawFrameBytes(_ header: [UInt8]) -> [UInt8] {
    withUnsafeBytes(of: UInt32(header.count).littleEndian) { Array($0) } + header
}
