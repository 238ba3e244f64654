/// The client's side of a v1 connection, as a pure state machine: it writes
/// the preface and hello, answers the server's challenge when it has a key,
/// turns the server's bytes into events, and encodes (and, once
/// authenticated, seals) what the client sends, in the order it must go out
/// (ClientSession+Sending.swift).
public struct ClientSession {
    public enum Event: Hashable, Sendable {
        /// The handshake is done; commands may be sent.
        case ready(ServerHello)
        /// Bytes the handshake needs sent now (the answer to a challenge).
        case send([UInt8])
        case output(id: Int64, OutputKind, [UInt8])
        case exited(ExitReport)
        /// The server refused one request; the connection goes on.
        case rejected(ProtocolError)
        /// The connection is over: the server sent a fatal error, broke the
        /// protocol, or could not prove it holds the key.
        case failed(ProtocolError)
        case pong
    }

    public enum Phase: Hashable, Sendable { case awaitingHello, awaitingAuthOK, ready, failed }

    public let clientName: String
    public private(set) var phase: Phase = .awaitingHello
    private let authentication: KeyedAuthentication?
    private let nonce: [UInt8]
    private var hello: ServerHello?
    private var decoder = FrameDecoder(.v1)
    var sealing: FrameIntegrity?

    /// The stdin window the server gave each command; `nil` when it gave none.
    public internal(set) var stdinWindow: Int?
    /// Per command: stdin bytes queued or sent and not yet acknowledged (with a window).
    var stdinUnacknowledged: [Int64: Int] = [:]
    /// Bytes in wire order (sealed frames); the first frame may be partly written.
    var wire: [UInt8] = []
    var wireStart = 0
    /// Messages not yet in wire order: control messages go out before queued input.
    var queuedControl: [ClientMessage] = []
    var queuedInput: [ClientMessage] = []
    var queuedInputStart = 0
    public internal(set) var queuedInputByteCount = 0

    /// With `authentication`, `nonce` must be fresh random bytes (the caller
    /// draws them; the session stays deterministic).
    public init(clientName: String, authentication: KeyedAuthentication? = nil, nonce: [UInt8] = []) {
        precondition(authentication == nil || nonce.count == Limits.handshakeRandomLength, "authentication needs a nonce")
        self.clientName = clientName
        self.authentication = authentication
        self.nonce = nonce
    }

    /// The first bytes of every v1 connection: the preface, then hello, which
    /// asks for a stdin window.
    public var openingBytes: [UInt8] {
        var output = Limits.preface
        ClientMessage.hello(version: Int64(Limits.protocolVersion), client: clientName, stdinWindow: true).append(to: &output)
        return output
    }

    /// Appends a message to send, sealed once the connection is authenticated.
    public func encode(_ message: ClientMessage, into output: inout [UInt8]) {
        let start = output.count
        message.append(to: &output)
        sealing?.sealFrame(in: &output, from: start)
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
                events.append(.failed(error.code == .integrityFailed ? error
                                      : ProtocolError(error.code, "the server broke the protocol: \(error.message)")))
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
            self.hello = hello
            stdinWindow = hello.stdinWindow.map { Int(clamping: $0) }
            switch (hello.auth, authentication) {
            case (let method, nil) where ClientAuthentication(rawValue: method) != nil:
                // TLS, below this session, has authenticated both sides (or the server serves only its own user).
                phase = .ready
                return .ready(hello)
            case ("none", _?):
                // Mutual authentication: a client with a key talks only to a
                // server that proves it holds the same key.
                throw ProtocolError(.authFailed, "the server does not authenticate itself, so it may not be the one that holds the key")
            case (Handshake.method, let authentication?):
                let proof = Handshake.clientProof(authentication.makeAuthenticator(authentication.key),
                                                  challenge: hello.challenge ?? [], nonce: nonce)
                phase = .awaitingAuthOK
                return .send(ClientMessage.auth(nonce: nonce, proof: proof).encoded)
            case (Handshake.method, nil):
                throw ProtocolError(.authRequired, "the server requires a key (--key-file, or RSH_KEY_FILE)")
            default:
                throw ProtocolError(.authFailed, "the server asks for an authentication method this client does not know: \(hello.auth)")
            }
        case (.awaitingAuthOK, .authOK(let proof)):
            guard let authentication, let hello else { preconditionFailure("authOK without a handshake") }
            let challenge = hello.challenge ?? []
            guard Handshake.isValidServerProof(proof, authentication.makeAuthenticator(authentication.key),
                                               challenge: challenge, nonce: nonce) else {
                throw ProtocolError(.authFailed, "the server's proof is wrong: it does not hold the key")
            }
            decoder.integrity = authentication.integrity(.serverToClient, challenge: challenge, nonce: nonce)
            sealing = authentication.integrity(.clientToServer, challenge: challenge, nonce: nonce)
            phase = .ready
            return .ready(hello)
        case (_, .error(let error)) where error.isFatal:
            phase = .failed
            return .failed(error)
        case (.awaitingHello, _):
            throw ProtocolError(.helloRequired, "the server's first frame was not hello")
        case (.awaitingAuthOK, _):
            throw ProtocolError(.authRequired, "the server sent \(message) before auth_ok")
        case (_, .hello), (_, .authOK):
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
            if let id = error.id { stdinUnacknowledged[id] = nil }
            return .rejected(error)
        case (_, .pong):
            return .pong
        }
    }
}
