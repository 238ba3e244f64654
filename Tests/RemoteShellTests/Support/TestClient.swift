import Foundation
import RSHProtocol
import RSHSystem
import RSHTLS

/// A v1 client for tests, with byte-level control: it can send any bytes,
/// frames one byte at a time, or garbage, and reads frames with a deadline.
/// Over TLS it drives the same `TLSSession` transform as rsh and rshd, with
/// a blocking socket; what it sends and reads is then the plaintext.
final class TestClient: @unchecked Sendable {
    /// How the client secures the connection.
    enum TLSMode {
        /// TLS offering this key (`nil`: none).
        case identity(Ed25519PrivateKey?)
        /// TLS with a pre-shared key.
        case preSharedKey([UInt8])
    }

    let socket: FileDescriptor
    /// The TLS session, when the client speaks TLS.
    let tls: TLSSession?
    private var decoder: FrameDecoder
    private var nextID: Int64 = 1
    /// Every byte sent (plaintext), for replay tests.
    private(set) var transcript: [UInt8] = []

    init(port: UInt16, classic: Bool = false, tls: TLSMode? = nil) throws {
        socket = try FileDescriptor.connectedSocket(to: .ipv4(host: "127.0.0.1", port: port))
        decoder = classic ? ClassicReply.decoder() : FrameDecoder()
        switch tls {
        case nil:
            self.tls = nil
        case .identity(let identity):
            self.tls = try TLSSession(TLSContext(role: .client, identity: identity, peerKeys: .anyKey))
        case .preSharedKey(let psk):
            self.tls = try TLSSession(TLSContext(role: .client, identity: nil, preSharedKey: psk, peerKeys: .anyKey))
        }
        if let session = self.tls {
            do {
                try handshakeTLS(session)
            } catch {
                socket.closeAfterUse()
                throw error
            }
        }
    }

    deinit { socket.closeAfterUse() }

    /// A TLS ClientHello as rsh's would be, for tests that send part of one.
    static func clientHello() throws -> [UInt8] {
        let session = try TLSSession(TLSContext(role: .client, identity: nil, peerKeys: .anyKey))
        _ = try session.handshake()
        return session.withOutbound { Array($0) }
    }

    /// Runs the TLS handshake to its end on our side (the server finishes it
    /// when it reads our last flight, which goes out here).
    private func handshakeTLS(_ session: TLSSession) throws {
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while try !session.handshake() {
            try sendCiphertext(session)
            let count = try buffer.withUnsafeMutableBytes { try socket.read(into: $0) }
            guard count > 0 else { throw ConnectionClosed() }
            buffer.withUnsafeBytes { session.receive(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        }
        try sendCiphertext(session)
    }

    private func sendCiphertext(_ session: TLSSession) throws {
        let bytes = session.withOutbound { Array($0) }
        session.consumeOutbound(bytes.count)
        try socket.sendAll(bytes)
    }

    /// The bytes to write to the socket for `plaintext`: itself, or its TLS records.
    private func onTheWire(_ plaintext: [UInt8]) throws -> [UInt8] {
        guard let tls else { return plaintext }
        var offset = 0
        while offset < plaintext.count { offset += try plaintext[offset...].withUnsafeBytes { try tls.write($0) } }
        let bytes = tls.withOutbound { Array($0) }
        tls.consumeOutbound(bytes.count)
        return bytes
    }

    /// Preface and hello; returns the server's hello.
    /// `timeout`: how long the server may take to answer (a blocking server
    /// serving others first makes clients wait in the backlog). `stdinWindow`:
    /// ask for stdin flow control (PROTOCOL.md, section 3).
    @discardableResult
    func handshake(timeout: Duration = .seconds(30), stdinWindow: Bool = false) throws -> Frame {
        var members: [(String, JSONValue)] = [("version", 1), ("client", "tests")]
        if stdinWindow { members.append(("stdin_window", true)) }
        try send(Limits.preface + FrameEncoder.encode(type: "hello", members))
        let hello = try readFrame(timeout: timeout)
        guard hello.type == "hello" else { throw TestFailure("expected hello, got \(hello.header)") }
        return hello
    }

    /// Bytes, as they are (encrypted over TLS).
    func send(_ bytes: [UInt8]) throws {
        transcript += bytes
        try socket.sendAll(try onTheWire(bytes))
    }

    func send(_ message: ClientMessage) throws { try send(message.encoded) }

    /// The TLS records that carry `plaintext`, as they would go out now (each
    /// call advances the session's record numbers): for attacks on the records.
    func records(_ plaintext: [UInt8]) throws -> [UInt8] { try onTheWire(plaintext) }

    /// Bytes straight onto the socket, bypassing TLS.
    func sendRaw(_ bytes: [UInt8]) throws { try socket.sendAll(bytes) }

    /// A message that must be taken by `deadline`: for a server that may
    /// have stopped reading, where a plain send would block for ever.
    func send(_ message: ClientMessage, before deadline: ContinuousClock.Instant) throws {
        let plaintext = message.encoded
        transcript += plaintext
        let bytes = try onTheWire(plaintext)
        try socket.setNonBlocking()
        defer { try? socket.setNonBlocking(false) }
        var offset = 0
        while offset < bytes.count {
            if let sent = try bytes[offset...].withUnsafeBytes({ try socket.trySend($0) }) {
                offset += sent
            } else if try socket.poll(for: .writable, timeoutMilliseconds: pollTimeout(until: deadline)).isEmpty {
                throw TestFailure("the server took \(offset) of \(bytes.count) bytes and then stopped reading")
            }
        }
    }

    /// Starts a command; returns its id.
    @discardableResult
    func exec(_ command: String, id: Int64? = nil, stdin: Bool = false, environment: [String: String] = [:],
              directory: String? = nil, timeoutMilliseconds: Int64? = nil) throws -> Int64 {
        let id = id ?? nextID
        nextID = max(nextID, id + 1)
        try send(.exec(ExecRequest(id: id, command: .shell(command), environment: environment, workingDirectory: directory,
                                   timeoutMilliseconds: timeoutMilliseconds, wantsStdin: stdin)))
        return id
    }

    /// The next frame, or an error at the deadline or when the server closes.
    func readFrame(timeout: Duration = .seconds(30)) throws -> Frame {
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let frame = try decoder.next() { return frame }
            if let tls {
                // Plaintext already decrypted, or decryptable from what was read, comes first.
                let result = try buffer.withUnsafeMutableBytes { try tls.read(into: $0) }
                switch result {
                case .bytes(let count):
                    decoder.feed(buffer[..<count])
                    continue
                case .closed: throw ConnectionClosed()
                case .needsInput: break
                }
            }
            let events = try socket.poll(for: .readable, timeoutMilliseconds: pollTimeout(until: deadline))
            guard !events.isEmpty else { throw TestFailure("no frame within \(timeout)") }
            let count = try buffer.withUnsafeMutableBytes { raw in try socket.read(into: raw) }
            guard count > 0 else { throw ConnectionClosed() }
            if let tls {
                buffer.withUnsafeBytes { tls.receive(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
            } else {
                decoder.feed(buffer[..<count])
            }
        }
    }

    struct ConnectionClosed: Error {}

    /// Whether the server closes the connection within `timeout` (frames before the close are returned).
    func readUntilClosed(timeout: Duration = .seconds(10)) throws -> [Frame] {
        var frames: [Frame] = []
        while true {
            do {
                frames.append(try readFrame(timeout: timeout))
            } catch is ConnectionClosed {
                return frames
            } catch let error as Errno where error == .connectionReset {
                return frames
            }
        }
    }

    /// What one command produced.
    struct Result {
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var exit: Frame?
        var error: Frame?
        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        var stderrText: String { String(decoding: stderr, as: UTF8.self) }
        var code: Int64? { exit?["code"]?.integerValue }
        var signal: String? { exit?["signal"]?.stringValue }
    }

    /// Reads frames until every id in `ids` has its exit (or error) frame.
    func collect(_ ids: [Int64], timeout: Duration = .seconds(60)) throws -> [Int64: Result] {
        var results: [Int64: Result] = [:]
        var open = Set(ids)
        let deadline = ContinuousClock.now + timeout
        while !open.isEmpty {
            let frame = try readFrame(timeout: max(.milliseconds(1), ContinuousClock.now.duration(to: deadline)))
            guard let id = frame["id"]?.integerValue else { throw TestFailure("frame without id: \(frame.header)") }
            switch frame.type {
            case "stdout": results[id, default: Result()].stdout += frame.body
            case "stderr": results[id, default: Result()].stderr += frame.body
            case "exit": results[id, default: Result()].exit = frame; open.remove(id)
            case "error": results[id, default: Result()].error = frame; open.remove(id)
            default: throw TestFailure("unexpected frame \(frame.header)")
            }
        }
        return results
    }

    /// Runs one command to its end.
    func run(_ command: String, stdin: [UInt8]? = nil, environment: [String: String] = [:], directory: String? = nil,
             timeoutMilliseconds: Int64? = nil) throws -> Result {
        let id = try exec(command, stdin: stdin != nil, environment: environment, directory: directory,
                          timeoutMilliseconds: timeoutMilliseconds)
        if let stdin {
            var offset = 0
            while offset < stdin.count {
                let end = min(stdin.count, offset + 100_000)
                try send(.stdin(id: id, data: Array(stdin[offset..<end])))
                offset = end
            }
            try send(.eof(id: id))
        }
        return try collect([id])[id]!
    }
}
