import RSHProtocol
import RSHSystem
import Synchronization

/// The listening sockets and the accept policy every driver shares: the
/// connection cap, and a pause instead of a busy loop when the process is
/// out of descriptors. A server may listen on several addresses (one
/// server as many hosts); a driver waits on all of them at once.
final class Listener: Sendable {
    enum Accepted {
        /// A connection, its peer, and what the kernel said of the peer's user.
        case connection(FileDescriptor, SocketAddress, PeerStanding)
        /// Nothing is waiting.
        case none
        /// Out of descriptors or memory: stop accepting for `Listener.backoff`,
        /// so the pending connection does not make the loop spin.
        case backoff
    }

    /// How long accepting pauses after `EMFILE`, `ENFILE`, `ENOBUFS` or `ENOMEM`.
    static let backoff: Duration = .milliseconds(100)

    /// One per address, in the order given.
    let sockets: [(descriptor: FileDescriptor, address: SocketAddress)]
    let maxConnections: Int
    let maxUnauthenticated: Int
    /// Whether the uid of a peer on a loopback TCP address is asked for: the
    /// server does not authenticate its clients, so it serves only its own user.
    private let checksLoopbackPeers: Bool
    private let logger: Logger
    private let active = Atomic<Int>(0)
    /// Connections accepted whose handshake has not finished.
    private let handshaking = Atomic<Int>(0)
    private let lastExhaustionLog = Mutex<ContinuousClock.Instant?>(nil)
    /// Where the next `accept` starts looking among the ready sockets, so that a busy address does not starve the others.
    private let nextSocket = Atomic<Int>(0)
    /// The address each listening socket is bound to.
    private let addressOfSocket: [FileDescriptor: SocketAddress]

    init(configuration: ServerConfiguration, authenticatesClients: Bool, logger: Logger) throws(ServerError) {
        self.logger = logger
        checksLoopbackPeers = !authenticatesClients
        maxConnections = configuration.maxConnections
        maxUnauthenticated = configuration.maxUnauthenticated
        var sockets: [(descriptor: FileDescriptor, address: SocketAddress)] = []
        for requested in configuration.listenAddresses {
            do {
                let descriptor = try Self.listen(requested)
                sockets.append((descriptor, requested))
                if case .unix = requested { continue }
                sockets[sockets.count - 1].address = try descriptor.localAddress()
            } catch {
                for (descriptor, address) in sockets { Self.close(descriptor, address) }
                throw ServerError.cannotListen(requested, error)
            }
        }
        self.sockets = sockets
        addressOfSocket = Dictionary(sockets.map { ($0.descriptor, $0.address) }, uniquingKeysWith: { first, _ in first })
    }

    /// The descriptors to wait on for new connections.
    var descriptors: [FileDescriptor] { sockets.map(\.descriptor) }

    /// The addresses, with the real port where 0 was asked for.
    var addresses: [SocketAddress] { sockets.map(\.address) }

    /// Binds and listens. A Unix socket file left by a server that is gone
    /// (nobody accepts on it) is removed first; a live one is "in use".
    private static func listen(_ address: SocketAddress) throws(Errno) -> FileDescriptor {
        do {
            return try FileDescriptor.listeningSocket(at: address)
        } catch .addressInUse {
            guard case .unix(let path) = address, (try? FileStatus(path: path))?.isSocket == true else { throw .addressInUse }
            do {
                try FileDescriptor.connectedSocket(to: address).closeAfterUse()
            } catch .connectionRefused {
                try removeFile(atPath: path)
                return try FileDescriptor.listeningSocket(at: address)
            }
            throw .addressInUse
        }
    }

    var activeConnections: Int { active.load(ordering: .relaxed) }

    /// Accepts one connection from whichever of `ready` has one: listening
    /// sockets that poll or epoll reported readable. Only those are tried,
    /// because a server may listen on a thousand addresses, and trying each
    /// would cost a failed `accept4` per address for every connection. Over
    /// the cap, the client is told `busy` and closed.
    func accept(among ready: [FileDescriptor]) -> Accepted {
        guard !ready.isEmpty else { return .none }
        let start = nextSocket.wrappingAdd(1, ordering: .relaxed).oldValue
        for offset in ready.indices {
            let descriptor = ready[(start + offset) % ready.count]
            guard let address = addressOfSocket[descriptor] else { continue }
            switch accept(from: descriptor, address) {
            case .none: continue
            case let accepted: return accepted
            }
        }
        return .none
    }

    private func accept(from descriptor: FileDescriptor, _ address: SocketAddress) -> Accepted {
        while true {
            let result: (FileDescriptor, SocketAddress)?
            do {
                result = try descriptor.acceptConnection()
            } catch .tooManyOpenFiles, .tooManyOpenFilesInSystem, .noBufferSpace, .outOfMemory {
                logExhaustion()
                return .backoff
            } catch {
                // ECONNABORTED, EPROTO, ...: that connection is gone, not the listener.
                continue
            }
            guard let (fd, socketPeer) = result else { return .none }
            var peer = socketPeer
            var standing = PeerStanding.unchecked
            if case .unix = address {
                // A Unix socket serves only our own user and root (unix(7), SO_PEERCRED).
                let credentials = try? fd.peerCredentials()
                standing = PeerStanding(uid: credentials?.uid, serverUID: ProcessIdentity.effectiveUserID)
                peer = .unix(path: credentials.map { "uid:\($0.uid),pid:\($0.pid)" } ?? "uid:unknown")
            } else {
                try? fd.setNoDelay()
                if checksLoopbackPeers, address.isLoopback {
                    standing = PeerStanding(uid: try? fd.tcpPeerOwner(), serverUID: ProcessIdentity.effectiveUserID)
                }
            }
            guard active.wrappingAdd(1, ordering: .relaxed).newValue <= maxConnections else {
                active.wrappingSubtract(1, ordering: .relaxed)
                logger.warning("refused peer=\(peer): at the limit of \(maxConnections) connections")
                refuse(fd, ServerSession.busyReply())
                continue
            }
            guard handshaking.wrappingAdd(1, ordering: .relaxed).newValue <= maxUnauthenticated else {
                handshaking.wrappingSubtract(1, ordering: .relaxed)
                active.wrappingSubtract(1, ordering: .relaxed)
                logger.warning("refused peer=\(peer): \(maxUnauthenticated) connections are already in their handshake")
                refuse(fd, .busy, "too many connections are starting; try again later")
                continue
            }
            return .connection(fd, peer, standing)
        }
    }

    /// A connection accepted by `accept` has closed.
    func connectionClosed() {
        active.wrappingSubtract(1, ordering: .relaxed)
    }

    /// A connection accepted by `accept` has finished its handshake (or
    /// closed before it did): it no longer counts against the cap on starting ones.
    func handshakeEnded() {
        handshaking.wrappingSubtract(1, ordering: .relaxed)
    }

    /// Tells a connection it cannot be served, best effort, and closes it.
    private func refuse(_ fd: FileDescriptor, _ code: ErrorCode, _ message: String) {
        refuse(fd, ServerMessage.error(ProtocolError(code, message)).encoded)
    }

    /// Sends `reply`, an error frame, best effort, and closes the connection.
    private func refuse(_ fd: FileDescriptor, _ reply: [UInt8]) {
        reply.withUnsafeBytes { _ = try? fd.trySend($0) }
        fd.closeAfterUse()
    }

    func close() {
        for (descriptor, address) in sockets { Self.close(descriptor, address) }
    }

    private static func close(_ descriptor: FileDescriptor, _ address: SocketAddress) {
        descriptor.closeAfterUse()
        if case .unix(let path) = address { try? removeFile(atPath: path) }
    }

    private func logExhaustion() {
        let now = ContinuousClock.now
        let shouldLog = lastExhaustionLog.withLock { last in
            if let last, last.duration(to: now) < .seconds(5) { return false }
            last = now
            return true
        }
        if shouldLog { logger.error("accept: out of descriptors; pausing accept for \(Self.backoff) at a time") }
    }
}
