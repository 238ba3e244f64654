import RemoteShell
import RSHCrypto
import RSHProtocol
import RSHSystem

/// One client connection, v1 or classic, used from a coroutine on the
/// generator's loop.
final class BenchClient {
    let loop: EventLoop
    let socket: FileDescriptor
    let wire: WireProtocol
    /// The pre-shared key, for a server that asks for one.
    let key: [UInt8]?
    private var decoder: FrameDecoder
    private var sealing: FrameIntegrity?
    private let handle = EventLoop.WaitHandle()
    private var nextID: Int64 = 1
    /// False once a read has taken all there was (see `nextFrame`).
    private var mayHaveInput = true

    init(address: SocketAddress, loop: EventLoop, wire: WireProtocol = .v1, key: [UInt8]? = nil) throws {
        self.loop = loop
        self.wire = wire
        self.key = key
        decoder = wire == .classic ? ClassicReply.decoder() : FrameDecoder()
        socket = try FileDescriptor.connectedSocket(to: address)
        try socket.setNonBlocking()
    }

    func close() {
        loop.deregister(socket)
        socket.closeAfterUse()
    }

    func send(_ bytes: [UInt8]) async throws {
        var offset = 0
        while offset < bytes.count {
            let sent = try bytes.withUnsafeBytes { raw in try socket.trySend(UnsafeRawBufferPointer(rebasing: raw[offset...])) }
            if let sent { offset += sent } else { _ = await loop.wait([.writable(socket)], handle: handle) }
        }
    }

    func nextFrame() async throws -> Frame {
        while true {
            if let frame = try decoder.next() { return frame }
            // A read that did not fill the buffer took all there was, and
            // epoll reports what arrives after it: wait rather than read into
            // EAGAIN (the server's reader follows the same rule). On a
            // sequential workload that is two system calls per command less
            // on the path being measured.
            if !mayHaveInput {
                _ = await loop.wait([.readable(socket)], handle: handle)
                mayHaveInput = true
            }
            guard let count = try socket.tryRead(into: loop.scratch) else {
                mayHaveInput = false
                continue
            }
            guard count > 0 else { throw ConnectionClosed() }
            decoder.feed(UnsafeRawBufferPointer(rebasing: loop.scratch[..<count]))
            mayHaveInput = count == loop.scratch.count || loop.hasHungUp(socket)
        }
    }

    /// Connects, completes the handshake, runs `body` with the client, and closes it.
    static func session<Value>(to address: SocketAddress, loop: EventLoop, wire: WireProtocol = .v1, key: [UInt8]? = nil,
                               _ body: (BenchClient) async throws -> Value) async throws -> Value {
        let client = try BenchClient(address: address, loop: loop, wire: wire, key: key)
        defer { client.close() }
        try await client.startHandshake()
        try await client.finishHandshake()
        return try await body(client)
    }

    /// Sends the preface and hello without waiting for the answer (a classic
    /// connection has no handshake).
    func startHandshake() async throws {
        guard wire == .v1 else { return }
        try await send(Limits.preface + ClientMessage.hello(version: 1, client: "rsh-bench").encoded)
    }

    /// Reads the server's hello and, when it asks for it, authenticates with the
    /// key; from then on every frame is sealed and checked, as rsh does.
    func finishHandshake() async throws {
        guard wire == .v1 else { return }
        let hello = try await nextFrame()
        guard hello.type == "hello" else { throw UnexpectedFrame(frame: hello) }
        guard hello["auth"] == .string(Handshake.method) else { return }
        guard let key, let challenge = hello["challenge"]?.stringValue.flatMap(Hex.decode) else { throw UnexpectedFrame(frame: hello) }
        let nonce = try randomBytes(Limits.handshakeRandomLength)
        let authenticator = HMACSHA256(key: key)
        try await send(ClientMessage.auth(nonce: nonce, proof: Handshake.clientProof(authenticator, challenge: challenge, nonce: nonce)).encoded)
        let ok = try await nextFrame()
        guard ok.type == "auth_ok", let proof = ok["proof"]?.stringValue.flatMap(Hex.decode),
              Handshake.isValidServerProof(proof, authenticator, challenge: challenge, nonce: nonce) else {
            throw UnexpectedFrame(frame: ok)
        }
        let sessionKey = Handshake.sessionKey(authenticator, challenge: challenge, nonce: nonce)
        decoder.integrity = FrameIntegrity(HMACSHA256(key: sessionKey), .serverToClient)
        sealing = FrameIntegrity(HMACSHA256(key: sessionKey), .clientToServer)
    }

    func sendExec(_ command: String) async throws -> Int64 {
        let id = nextID
        nextID += 1
        var bytes = ClientMessage.exec(ExecRequest(id: id, command: .shell(command))).encoded
        sealing?.sealFrame(in: &bytes, from: 0)
        try await send(bytes)
        return id
    }

    /// Reads until `id` exits; returns the stdout bytes it counted.
    func awaitExit(_ id: Int64) async throws -> Int {
        var received = 0
        while true {
            let frame = try await nextFrame()
            switch frame.type {
            case "stdout", "stderr": received += frame.body.count
            case "exit" where frame["id"]?.integerValue == id: return received
            default: throw UnexpectedFrame(frame: frame)
            }
        }
    }

    /// One command, start to exit; its latency and stdout byte count (for a
    /// classic server, stdout and stderr: its reply's body).
    func run(_ command: String) async throws -> (latency: Duration, bytes: Int) {
        let start = ContinuousClock.now
        if wire == .classic {
            try await send(Array(command.utf8))
            let reply = try await nextFrame()
            guard let size = reply["total_size"]?.integerValue, size == Int64(reply.body.count) else { throw UnexpectedFrame(frame: reply) }
            return (start.duration(to: .now), reply.body.count)
        }
        let id = try await sendExec(command)
        let bytes = try await awaitExit(id)
        return (start.duration(to: .now), bytes)
    }

    /// `command` run `times` times in a row; the latency of each. Each run
    /// must give as many bytes as the first.
    func latencies(of command: String, times: Int) async throws -> [Duration] {
        var latencies: [Duration] = []
        latencies.reserveCapacity(times)
        var expected: Int?
        for _ in 0..<times {
            let run = try await run(command)
            guard run.bytes == (expected ?? run.bytes) else { throw BenchError("\(command): \(run.bytes) bytes where the first run gave \(expected ?? 0)") }
            expected = run.bytes
            latencies.append(run.latency)
        }
        return latencies
    }
}

extension BenchClient {
    struct ConnectionClosed: Error, CustomStringConvertible {
        var description: String { "the server closed the connection" }
    }

    struct UnexpectedFrame: Error, CustomStringConvertible {
        let frame: Frame
        var description: String { "unexpected frame \(frame.header)" }
    }
}
