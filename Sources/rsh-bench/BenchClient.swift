import RemoteShell
import RSHProtocol
import RSHSystem
import RSHTLS

/// One v1 client connection, used from a coroutine on the generator's loop:
/// in clear, or over TLS through the same `TLSSession` transform rsh and
/// rshd use (the generator does its own socket I/O, as a driver does).
final class BenchClient {
    let loop: EventLoop
    let socket: FileDescriptor
    /// The TLS session, when the client speaks TLS.
    let tls: TLSSession?
    private var decoder = FrameDecoder()
    private let handle = EventLoop.WaitHandle()
    private var nextID: Int64 = 1
    /// False once a read has taken all there was (see `nextFrame`).
    private var mayHaveInput = true

    /// `tls`: a client context (with a pre-shared key, or an identity) for a TLS connection; `nil` for one in clear.
    init(address: SocketAddress, loop: EventLoop, tls: TLSContext? = nil) throws {
        self.loop = loop
        socket = try FileDescriptor.connectedSocket(to: address)
        try socket.setNonBlocking()
        self.tls = try tls.map { try TLSSession($0) }
    }

    func close() {
        loop.deregister(socket)
        socket.closeAfterUse()
    }

    /// Sends bytes as they are on the socket, waiting for room as needed.
    private func sendRaw(_ bytes: [UInt8]) async throws {
        var offset = 0
        while offset < bytes.count {
            if let sent = try bytes[offset...].withUnsafeBytes({ try socket.trySend($0) }) {
                offset += sent
            } else {
                _ = await loop.wait([.writable(socket)], handle: handle)
            }
        }
    }

    /// Sends what the TLS session has to send.
    private func sendCiphertext(_ session: TLSSession) async throws {
        while session.outboundByteCount > 0 {
            let bytes = session.withOutbound { Array($0) }
            try await sendRaw(bytes)
            session.consumeOutbound(bytes.count)
        }
    }

    /// Sends plaintext: as it is, or encrypted.
    func send(_ bytes: [UInt8]) async throws {
        guard let tls else {
            try await sendRaw(bytes)
            return
        }
        var offset = 0
        while offset < bytes.count { offset += try bytes[offset...].withUnsafeBytes { try tls.write($0) } }
        try await sendCiphertext(tls)
    }

    /// Reads the socket once (waiting only after a read took all there was)
    /// and hands what it read to `consume` at once: the buffer is the loop's,
    /// shared by all of its coroutines, so no suspension may come between.
    private func readSocket(_ consume: (UnsafeRawBufferPointer) -> Void) async throws {
        while true {
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
            mayHaveInput = count == loop.scratch.count || loop.hasHungUp(socket)
            consume(UnsafeRawBufferPointer(rebasing: loop.scratch[..<count]))
            return
        }
    }

    func nextFrame() async throws -> Frame {
        while true {
            if let frame = try decoder.next() { return frame }
            guard let tls else {
                try await readSocket { decoder.feed($0) }
                continue
            }
            switch try tls.read(into: loop.scratch) {
            case .bytes(let count): decoder.feed(UnsafeRawBufferPointer(rebasing: loop.scratch[..<count]))
            case .closed: throw ConnectionClosed()
            case .needsInput: try await readSocket { tls.receive($0) }
            }
        }
    }

    /// Connects, completes the handshake, runs `body` with the client, and closes it.
    static func session<Value>(to address: SocketAddress, loop: EventLoop, tls: TLSContext? = nil,
                               _ body: (BenchClient) async throws -> Value) async throws -> Value {
        let client = try BenchClient(address: address, loop: loop, tls: tls)
        defer { client.close() }
        try await client.startHandshake()
        try await client.finishHandshake()
        return try await body(client)
    }

    /// Sends the first bytes without waiting for an answer: the TLS
    /// ClientHello, or the preface and hello in clear.
    func startHandshake() async throws {
        if let tls {
            _ = try tls.handshake()
            try await sendCiphertext(tls)
        } else {
            try await send(Self.opening)
        }
    }

    /// Completes the TLS handshake if there is one (the generator trusts the
    /// server's key: it started the server), sends the preface and hello
    /// there, and reads the server's hello.
    func finishHandshake() async throws {
        if let tls {
            while try !tls.handshake() {
                try await sendCiphertext(tls)
                try await readSocket { tls.receive($0) }
            }
            try await send(Self.opening)
        }
        let hello = try await nextFrame()
        guard hello.type == "hello" else { throw UnexpectedFrame(frame: hello) }
    }

    private static let opening = Limits.preface + ClientMessage.hello(version: 1, client: "rsh-bench").encoded

    func sendExec(_ command: String) async throws -> Int64 {
        let id = nextID
        nextID += 1
        try await send(ClientMessage.exec(ExecRequest(id: id, command: .shell(command))).encoded)
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

    /// One command, start to exit; its latency and stdout byte count.
    func run(_ command: String) async throws -> (latency: Duration, bytes: Int) {
        let start = ContinuousClock.now
        let id = try await sendExec(command)
        let bytes = try await awaitExit(id)
        return (start.duration(to: .now), bytes)
    }

    /// `command` run `times` times in a row; the latency of each.
    func latencies(of command: String, times: Int) async throws -> [Duration] {
        var latencies: [Duration] = []
        latencies.reserveCapacity(times)
        for _ in 0..<times { latencies.append(try await run(command).latency) }
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
