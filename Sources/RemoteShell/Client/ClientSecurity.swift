import RSHProtocol
import RSHSystem
import RSHTLS
import Synchronization

/// How rsh reaches a server, in one place for every way of running
/// commands: the socket; then TLS, with the client's identity (or the
/// pre-shared key) and the server's key checked against known_hosts before
/// anything is sent; or the socket in clear (`--plain`, and Unix sockets,
/// whose peer the kernel vouches for). Made once per run (the identity
/// read, the TLS context made), it connects as often as asked.
final class ClientSecurity: Sendable {
    enum Mode: Equatable { case plain, tls }

    let mode: Mode
    private let context: TLSContext?
    /// "FILE (SHA256:...)", for messages about the key offered.
    private let identityDescription: String?
    private let knownHostsPath: String?
    /// known_hosts, read once for the first server checked, with the lines
    /// rsh adds taken in as it adds them: a fan-out checks a thousand
    /// servers against it, and reading a file of a line per host for each
    /// one would cost ~8 ms a host.
    private let knownHostsRead = Mutex<KnownHosts?>(nil)
    private let trust: HostKeyCheck.Trust
    private let usesPreSharedKey: Bool
    /// One host among many: refusals name no host, and nothing else is printed.
    private let brief: Bool
    private let connectTimeout: Duration?
    /// The port of a target that names none (`-p`): known_hosts knows the server by it.
    private let port: UInt16

    /// `preSharedKey`: from `--key-file`. It replaces the identity: the
    /// handshake must then use it, which proves the server holds it too.
    /// `batch`: never ask about an unknown server key (a fan-out's many hosts).
    init(options: ClientOptions, preSharedKey: [UInt8]? = nil, batch: Bool = false) throws(ClientError) {
        mode = options.transportMode
        trust = options.acceptNewHostKeys ? .acceptNew : batch || options.batchMode ? .neverAsk : .ask
        brief = batch
        connectTimeout = options.connectTimeout
        port = options.port
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
        let socket = try socket(target: target, address: address)
        guard let context else { return PlainStream(socket) }
        let stream: TLSStream
        let passed: HostKeyCheck.Passed
        do {
            stream = try handshakeUntilDone(socket, context)
            passed = try acceptServer(of: stream, target: target)
        } catch {
            socket.closeAfterUse()
            throw error
        }
        guard passed == .addedWhenAsked else { return stream }
        // The question took as long as the user did, and a server waits for
        // the end of a handshake only so long (rshd: 10 s), after which the
        // first write would meet a closed connection: a new one, whose key
        // known_hosts now lists (checked again, like any other).
        socket.closeAfterUse()
        return try connect(target: target, address: address)
    }

    /// The server's key, from a TLS handshake that stops before rsh says
    /// anything (`rsh keyscan`): its last flight is never sent.
    func scan(target: String, address: SocketAddress) throws(ClientError) -> Ed25519PublicKey {
        guard let context else { throw .unusable("keyscan needs TLS") }
        let socket = try socket(target: target, address: address)
        defer { socket.closeAfterUse() }
        guard let key = try handshakeUntilDone(socket, context).session.peerKey else {
            throw .tls(TLSError(.peerKeyRefused, "the server sent no key"), identity: nil)
        }
        return key
    }

    /// After the handshake, before anything is sent: the server must have
    /// proven who it is, with the pre-shared key or with a key known_hosts
    /// lists (which may ask, or add it). The client's last flight (its
    /// certificate and Finished) is still in the session until then, and
    /// goes out with the first bytes of the protocol, in one send.
    @discardableResult
    func acceptServer(of stream: TLSStream, target: String) throws(ClientError) -> HostKeyCheck.Passed {
        let session = stream.session
        if usesPreSharedKey {
            guard session.usedPreSharedKey else {
                throw .tls(TLSError(.preSharedKeyMismatch, "the server did not take the pre-shared key"), identity: nil)
            }
            return .known
        } else {
            guard let key = session.peerKey else { throw .tls(TLSError(.peerKeyRefused, "no server key"), identity: nil) }
            guard let knownHostsPath else { throw .unusable("no home directory for ~/.rsh/known_hosts; give --known-hosts FILE") }
            let name = KnownHosts.name(forTarget: target, port: port)
            // Read, checked and extended under one lock: ClientSecurity is
            // Sendable, and two threads must neither both add one new server
            // nor check against a copy that misses the other's line. (A
            // prompt holds it too: one question at a time.)
            return try knownHostsRead.withLock { (read) throws(ClientError) -> HostKeyCheck.Passed in
                if read == nil { read = try Self.loadKnownHosts(knownHostsPath) }
                let passed = try HostKeyCheck.verify(key, name: name, knownHosts: read!, trust: trust, brief: brief)
                if passed != .known { read!.appended(name: name, key: key) }
                return passed
            }
        }
    }

    private static func loadKnownHosts(_ path: String) throws(ClientError) -> KnownHosts {
        do {
            return try KnownHosts.load(path)
        } catch {
            throw .unusable(error.description)
        }
    }

    /// A connected, non-blocking socket.
    private func socket(target: String, address: SocketAddress) throws(ClientError) -> FileDescriptor {
        do throws(Errno) {
            let socket = try FileDescriptor.connectedSocket(to: address, timeout: connectTimeout)
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
        let stream = try startTLS(socket, context)
        let session = stream.session
        var buffer = [UInt8](repeating: 0, count: 16_384)
        var helloSent = false
        while true {
            if try advanceHandshake(stream) { break }
            try sendPending(stream)
            if !helloSent {
                // The hello is out: the certificate is made while the server answers it.
                helloSent = true
                context.prepareCertificate()
            }
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

    /// A TLS stream over a connected socket, its handshake not begun; `nil`
    /// in plain mode. (A fan-out drives the handshake from its event loop
    /// with `advanceHandshake`, then calls `acceptServer`.)
    func startTLS(_ socket: FileDescriptor) throws(ClientError) -> TLSStream? {
        guard let context else { return nil }
        return try startTLS(socket, context)
    }

    private func startTLS(_ socket: FileDescriptor, _ context: TLSContext) throws(ClientError) -> TLSStream {
        do {
            return TLSStream(socket, session: try TLSSession(context))
        } catch {
            throw .tls(error, identity: identityDescription)
        }
    }

    /// One step of the handshake on what has arrived: whether it is complete
    /// on our side (what it wrote waits in the stream: `hasPendingWrites`).
    func advanceHandshake(_ stream: TLSStream) throws(ClientError) -> Bool {
        do {
            return try stream.session.handshake()
        } catch where usesPreSharedKey && (error.kind == .protocolViolation || error.kind == .preSharedKeyMismatch) {
            // A server whose key differs fails the PSK binder, and says so
            // with an alert that names no reason (illegal_parameter).
            throw .tls(TLSError(.preSharedKeyMismatch, error.detail), identity: nil)
        } catch {
            throw .tls(error, identity: identityDescription)
        }
    }

    /// The key offered, for messages: "FILE (SHA256:...)".
    var offeredIdentity: String? { identityDescription }
}
