import RSHProtocol
import RSHSystem
import RSHTLS

/// How rsh reaches a server, in one place for every way of running
/// commands: the socket; then TLS, with the client's identity (or the
/// pre-shared key) and the server's key checked against known_hosts before
/// anything is sent; or the socket in clear (`--plain`, and Unix sockets,
/// whose peer the kernel vouches for). Made once per run (the identity
/// read, the TLS context made), it connects as often as asked.
final class ClientSecurity {
    enum Mode: Equatable { case plain, tls }

    let mode: Mode
    private let context: TLSContext?
    /// "FILE (SHA256:...)", for messages about the key offered.
    private let identityDescription: String?
    private let knownHostsPath: String?
    private let trust: HostKeyCheck.Trust
    private let usesPreSharedKey: Bool

    /// `preSharedKey`: from `--key-file`. It replaces the identity: the
    /// handshake must then use it, which proves the server holds it too.
    init(options: ClientOptions, preSharedKey: [UInt8]? = nil) throws(ClientError) {
        mode = options.transportMode
        trust = options.acceptNewHostKeys ? .acceptNew : .ask
        knownHostsPath = options.knownHostsPath ?? RSHPaths.knownHosts
        usesPreSharedKey = preSharedKey != nil
        if mode == .plain, preSharedKey != nil {
            throw .unusable("a pre-shared key (--key-file, RSH_KEY_FILE) is used through TLS; drop --plain")
        }
        guard mode == .tls else {
            context = nil
            identityDescription = nil
            return
        }
        var identity: Ed25519PrivateKey?
        var identityPath: String?
        do {
            if preSharedKey != nil {
                // No certificate: a server that does not take the key cannot log us in another way.
            } else if let path = options.identityPath {
                identity = try IdentityFile.load(path)
                identityPath = path
            } else if let path = [RSHPaths.identity, RSHPaths.sshIdentity].compactMap({ $0 }).first(where: { (try? FileStatus(path: $0)) != nil }) {
                identity = try IdentityFile.load(path)
                identityPath = path
            }
        } catch {
            throw .unusable(error.description)
        }
        identityDescription = identity.map { "\(identityPath ?? "") (\($0.publicKey.fingerprint))" }
        do {
            context = try TLSContext(role: .client, identity: identity, preSharedKey: preSharedKey, peerKeys: .anyKey)
        } catch {
            throw .tls(error, identity: nil)
        }
    }

    /// A connection to `address`, ready for the protocol: in clear, or TLS
    /// with the server's key verified (`target` is what the user typed: the
    /// name known_hosts knows the server by). A TLS stream may still hold
    /// the handshake's last flight: it goes out with the first write.
    func connect(target: String, address: SocketAddress) throws(ClientError) -> any ByteStream {
        let socket = try Self.socket(target: target, address: address)
        guard let context else { return PlainStream(socket) }
        do {
            return try handshake(socket, context, target: target)
        } catch {
            socket.closeAfterUse()
            throw error
        }
    }

    /// The server's key, from a TLS handshake that stops before rsh says
    /// anything (`rsh keyscan`): its last flight is never sent.
    func scan(target: String, address: SocketAddress) throws(ClientError) -> Ed25519PublicKey {
        guard let context else { throw .unusable("keyscan needs TLS") }
        let socket = try Self.socket(target: target, address: address)
        defer { socket.closeAfterUse() }
        guard let key = try handshakeUntilDone(socket, context).session.peerKey else {
            throw .tls(TLSError(.peerKeyRefused, "the server sent no key"), identity: nil)
        }
        return key
    }

    private func handshake(_ socket: FileDescriptor, _ context: TLSContext, target: String) throws(ClientError) -> TLSStream {
        let stream = try handshakeUntilDone(socket, context)
        let session = stream.session
        // The client's last flight (its certificate and Finished) is still
        // in the session: nothing goes out until the server has proven who it
        // is, with the pre-shared key or with a key known_hosts lists.
        if usesPreSharedKey {
            guard session.usedPreSharedKey else {
                throw .tls(TLSError(.preSharedKeyMismatch, "the server did not take the pre-shared key"), identity: nil)
            }
        } else {
            guard let key = session.peerKey else { throw .tls(TLSError(.peerKeyRefused, "no server key"), identity: nil) }
            guard let knownHostsPath else { throw .unusable("no home directory for ~/.rsh/known_hosts; give --known-hosts FILE") }
            try HostKeyCheck.verify(key, name: KnownHosts.name(forTarget: target, defaultPort: ClientOptions.defaultPort),
                                    knownHostsPath: knownHostsPath, trust: trust)
        }
        // The last flight goes out with the first bytes of the protocol, in one send.
        return stream
    }

    /// A connected, non-blocking socket.
    private static func socket(target: String, address: SocketAddress) throws(ClientError) -> FileDescriptor {
        do throws(Errno) {
            let socket = try FileDescriptor.connectedSocket(to: address)
            do {
                try socket.setNonBlocking()
            } catch {
                socket.closeAfterUse()
                throw error
            }
            return socket
        } catch {
            throw .cannotConnect(target, error)
        }
    }

    /// Runs the handshake until it is complete on our side, sending each
    /// flight but the last, which stays in the session.
    private func handshakeUntilDone(_ socket: FileDescriptor, _ context: TLSContext) throws(ClientError) -> TLSStream {
        let session: TLSSession
        do {
            session = try TLSSession(context)
        } catch {
            throw .tls(error, identity: identityDescription)
        }
        let stream = TLSStream(socket, session: session)
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let done: Bool
            do {
                done = try session.handshake()
            } catch where usesPreSharedKey && (error.kind == .protocolViolation || error.kind == .preSharedKeyMismatch) {
                // A server whose key differs fails the PSK binder, and says so
                // with an alert that names no reason (illegal_parameter).
                throw .tls(TLSError(.preSharedKeyMismatch, error.detail), identity: nil)
            } catch {
                throw .tls(error, identity: identityDescription)
            }
            if done { break }
            try sendPending(stream)
            try wait(socket, for: .readable)
            let count: Int?
            do {
                count = try buffer.withUnsafeMutableBytes { (raw) throws(Errno) in try socket.tryRead(into: raw) }
            } catch {
                throw .connectionLost("during the TLS handshake: \(error)")
            }
            guard let count else { continue }
            guard count > 0 else {
                throw .connectionLost("the server closed the connection during the TLS handshake (does it speak TLS? try --plain)")
            }
            buffer.withUnsafeBytes { session.receive(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        }
        return stream
    }

    /// Sends what the session has to send, waiting for room as needed.
    private func sendPending(_ stream: TLSStream) throws(ClientError) {
        while stream.hasPendingWrites {
            do {
                try stream.flushPending()
            } catch {
                throw .connectionLost("during the TLS handshake: \(error)")
            }
            if stream.hasPendingWrites { try wait(stream.descriptor, for: .writable) }
        }
    }

    private func wait(_ socket: FileDescriptor, for events: PollEvents) throws(ClientError) {
        do {
            _ = try socket.poll(for: events, timeoutMilliseconds: -1)
        } catch {
            throw .connectionLost("poll failed: \(error)")
        }
    }

    /// The key offered, for messages: "FILE (SHA256:...)".
    var offeredIdentity: String? { identityDescription }
}
