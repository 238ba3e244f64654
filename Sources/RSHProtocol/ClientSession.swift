/// The client's side of a v1 connection, as a pure state machine: it writes
/// the preface and hello, then turns the server's bytes into events.
public struct ClientSession {
    public enum Event: Hashable, Sendable {
        /// The server answered the hello; commands may be sent.
        case ready(ServerHello)
        case output(id: Int64, OutputKind, [UInt8])
        case exited(ExitReport)
        /// The server refused one request; the connection goes on.
        case rejected(ProtocolError)
        /// The connection is over: the server sent a fatal error, or broke the protocol.
        case failed(ProtocolError)
        case pong
    }

    public enum Phase: Hashable, Sendable { case awaitingHello, ready, failed }

    public let clientName: String
    public private(set) var phase: Phase = .awaitingHello
    private var decoder = FrameDecoder(.v1)

    public init(clientName: String) {
        self.clientName = clientName
    }

    /// The first bytes of every v1 connection: the preface, then hello.
    public var openingBytes: [UInt8] {
        var output = Limits.preface
        ClientMessage.hello(version: Int64(Limits.protocolVersion), client: clientName).append(to: &output)
        return output
    }

    public mutating func receive(_ bytes: UnsafeRawBufferPointer) -> [Event] {
        guard phase != .failed else { return [] }
        decoder.feed(bytes)
        var events: [Event] = []
        while phase != .failed {
            do {
                guard let frame = try decoder.next() else { break }
                events.append(try event(for: ServerMessage(frame)))
            } catch {
                phase = .failed
                events.append(.failed(ProtocolError(error.code, "the server broke the protocol: \(error.message)")))
            }
        }
        return events
    }

    public mutating func receive(_ bytes: [UInt8]) -> [Event] {
        bytes.withUnsafeBytes { receive($0) }
    }

    private mutating func event(for message: ServerMessage) throws(ProtocolError) -> Event {
        switch (phase, message) {
        case (.awaitingHello, .hello(let hello)):
            guard hello.version == Int64(Limits.protocolVersion) else {
                throw ProtocolError(.unsupportedVersion, "server speaks version \(hello.version)")
            }
            phase = .ready
            return .ready(hello)
        case (_, .error(let error)) where error.isFatal:
            phase = .failed
            return .failed(error)
        case (.awaitingHello, _):
            throw ProtocolError(.helloRequired, "the server's first frame was not hello")
        case (_, .hello):
            throw ProtocolError(.badRequest, "the server sent hello twice")
        case (_, .output(let id, let kind, let data)):
            return .output(id: id, kind, data)
        case (_, .exit(let report)):
            return .exited(report)
        case (_, .error(let error)):
            return .rejected(error)
        case (_, .pong):
            return .pong
        }
    }
}

/// The reply of a classic server: one frame whose header has `total_size`
/// (and, from rshd, `exit_code`), and whose body is the command's output.
public struct ClassicReply: Hashable, Sendable {
    public var exitCode: Int32?
    public var truncated: Bool
    public var body: [UInt8]

    /// The classic format has no protocol version or type: only the length
    /// prefix and `total_size`. Bodies up to `maxBodySize` are accepted.
    public static func decoder(maxBodySize: Int = 1 << 30) -> FrameDecoder {
        FrameDecoder(.init(maxBodySize: maxBodySize, requiresType: false))
    }

    public init(_ frame: Frame) {
        exitCode = frame["exit_code"]?.integerValue.flatMap { Int32(exactly: $0) }
        truncated = frame["truncated"]?.boolValue ?? false
        body = frame.body
    }
}
