/// The client's side of a v1 connection, as a pure state machine: it writes
/// the preface and hello, turns the server's bytes into events, and encodes
/// what the client sends, in the order it must go out
/// (ClientSession+Sending.swift). Whatever secures the connection (TLS) is
/// below it.
public struct ClientSession {
    public enum Event: Hashable, Sendable {
        /// The handshake is done; commands may be sent.
        case ready(ServerHello)
        case output(id: Int64, OutputKind, [UInt8])
        case exited(ExitReport)
        /// The server refused one request; the connection goes on.
        case rejected(ProtocolError)
        /// The connection is over: the server sent a fatal error, or broke the protocol.
        case failed(ProtocolError)
        case pong
        /// A part of the answer to a file request; `done`, `end` (or a
        /// `rejected` error) is its last.
        case file(id: Int64, FileReply)
    }

    public enum Phase: Hashable, Sendable { case awaitingHello, ready, failed }

    public let clientName: String
    public private(set) var phase: Phase = .awaitingHello
    private var decoder = FrameDecoder(.v1)

    /// The stdin window the server gave each command; `nil` when it gave none.
    public internal(set) var stdinWindow: Int?
    /// The window of each upload: the server's `upload_window`, else its stdin window.
    public internal(set) var uploadWindow: Int?
    /// The uploads in flight, whose data counts against `uploadWindow`.
    var uploads: Set<Int64> = []
    /// Per command: stdin bytes queued or sent and not yet acknowledged (with a window).
    var stdinUnacknowledged: [Int64: Int] = [:]
    /// Bytes in wire order; the first frame may be partly written.
    var wire: [UInt8] = []
    var wireStart = 0
    /// The wire holds a stdin or eof frame: control messages wait until it is sent.
    var wireHoldsInput = false
    /// Messages not yet in wire order: control messages go out before queued input.
    var queuedControl: [ClientMessage] = []
    var queuedInput: [ClientMessage] = []
    var queuedInputStart = 0
    public internal(set) var queuedInputByteCount = 0

    public init(clientName: String) {
        self.clientName = clientName
    }

    /// The first bytes of every v1 connection: the preface, then hello, which
    /// asks for a stdin window.
    public var openingBytes: [UInt8] {
        var output = Limits.preface
        ClientMessage.hello(version: Int64(Limits.protocolVersion), client: clientName, stdinWindow: true).append(to: &output)
        return output
    }


    public mutating func receive(_ bytes: UnsafeRawBufferPointer) -> [Event] {
        guard phase != .failed else { return [] }
        decoder.feed(bytes)
        var events: [Event] = []
        while phase != .failed {
            let message: ServerMessage
            do {
                guard let frame = try decoder.next() else { break }
                message = try ServerMessage(frame)
            } catch {
                phase = .failed
                events.append(.failed(ProtocolError(error.code, "the server broke the protocol: \(error.message)")))
                break
            }
            do {
                if let event = try event(for: message) { events.append(event) }
            } catch {
                phase = .failed
                events.append(.failed(error))
            }
        }
        return events
    }

    public mutating func receive(_ bytes: [UInt8]) -> [Event] {
        bytes.withUnsafeBytes { receive($0) }
    }

    private mutating func event(for message: ServerMessage) throws(ProtocolError) -> Event? {
        switch (phase, message) {
        case (.awaitingHello, .hello(let hello)):
            guard hello.version == Int64(Limits.protocolVersion) else {
                throw ProtocolError(.unsupportedVersion, "server speaks version \(hello.version)")
            }
            stdinWindow = hello.stdinWindow.map { Int(clamping: $0) }
            // An upload window comes only with a stdin window; without one of
            // its own, uploads have the stdin window (PROTOCOL.md, section 9).
            uploadWindow = hello.stdinWindow == nil ? nil : hello.uploadWindow.map { Int(clamping: $0) } ?? stdinWindow
            phase = .ready
            return .ready(hello)
        case (_, .error(let error)) where error.isFatal:
            phase = .failed
            return .failed(error)
        case (.awaitingHello, _):
            throw ProtocolError(.helloRequired, "the server's first frame was not hello")
        case (_, .hello):
            throw ProtocolError(.badRequest, "the server repeated its handshake")
        case (_, .output(let id, let kind, let data)):
            return .output(id: id, kind, data)
        case (_, .stdinAck(let id, let bytes)):
            try acknowledge(id: id, bytes: bytes)
            return nil
        case (_, .exit(let report)):
            stdinUnacknowledged[report.id] = nil
            return .exited(report)
        case (_, .error(let error)):
            if let id = error.id {
                stdinUnacknowledged[id] = nil
                uploads.remove(id)
            }
            return .rejected(error)
        case (_, .pong):
            return .pong
        case (_, .file(let id, let reply)):
            switch reply {
            case .done, .end:
                stdinUnacknowledged[id] = nil
                uploads.remove(id)
            case .info, .entry, .data: break
            }
            return .file(id: id, reply)
        case (_, .fileAck(let id, let bytes)):
            try acknowledge(id: id, bytes: bytes)
            return nil
        }
    }
}
