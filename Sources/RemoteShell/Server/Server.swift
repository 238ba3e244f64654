import RSHProtocol
import RSHSystem

/// `rshd`: binds the listening socket, then serves in the configured mode
/// until SIGTERM or SIGINT (or `shutdown.trigger`), stopping in order:
/// no new connections, running commands get the grace period, then teardown.
public final class Server {
    public let configuration: ServerConfiguration
    public let shutdown: ShutdownController
    let logger: Logger
    let security: ServerSecurity
    private let listener: Listener

    /// Binds the listening socket. `watchSignals` makes SIGTERM/SIGINT stop
    /// the server; they must then be blocked in every thread already
    /// (`SignalDisposition.block(ShutdownController.signals)`).
    public init(configuration: ServerConfiguration, watchSignals: Bool = true) throws(ServerError) {
        self.configuration = configuration
        logger = Logger(level: configuration.logLevel)
        let authorizedKeys = try ServerSecurity.authorizedKeys(configuration, logger: logger)
        if ServerSecurity.isOpenToTheNetwork(configuration, authorizedKeys: authorizedKeys), !configuration.allowUnauthenticated {
            let open = configuration.listenAddresses.filter { !$0.isLoopback }.map(\.description)
            throw .unsafe("refusing to listen on \(HostList.fold(open)) without a key: anyone who can reach it could run commands "
                          + "as uid \(ProcessIdentity.effectiveUserID). Put the public keys that may log in in ~/.rsh/authorized_keys "
                          + "(or --authorized-keys FILE; 'rsh keygen' makes a key pair), or share a key with --key-file FILE "
                          + "('rsh keygen --psk FILE'), or pass --allow-unauthenticated")
        }
        security = try ServerSecurity(configuration: configuration, authorizedKeys: authorizedKeys, logger: logger)
        listener = try Listener(configuration: configuration, authenticatesClients: security.policy.authenticatesClients, logger: logger)
        do {
            shutdown = try ShutdownController(logger: logger, watchSignals: watchSignals)
        } catch {
            listener.close()
            throw .cannotStart("the signal reader", error)
        }
    }

    /// The addresses the server listens on (with the real port where 0 was asked for).
    public var addresses: [SocketAddress] { listener.addresses }

    /// Serves until the shutdown is complete.
    public func run() throws(ServerError) {
        var details = "mode=\(configuration.mode.rawValue)"
        if configuration.mode == .coroutine { details += " loops=\(max(1, configuration.loops))" }
        details += " scheduling=\(configuration.scheduling.rawValue)"
        details += " auth=\(security.clientAuthentication)"
        logger.notice("host key \(security.hostKey.publicKey.fingerprint) (\(security.hostKeyPath))")
        if let authorizedKeys = security.authorizedKeys {
            logger.notice("clients log in with the \(authorizedKeys.count) key(s) in \(authorizedKeys.path)")
        }
        defer {
            listener.close()
            logger.notice("stopped")
        }
        // The descriptors the mode serves with (coroutine mode's loops, an
        // epoll set and an eventfd each; threaded mode's eventfd) are made
        // before the server says it listens: a test or a supervisor that
        // reads that line next finds the server's descriptors as they stay
        // while it is idle.
        let parts = ServerParts(listener: listener, shutdown: shutdown, configuration: configuration, security: security, logger: logger)
        let driver: any ServerDriver
        switch configuration.mode {
        case .blocking: driver = BlockingDriver(parts: parts)
        case .threaded: driver = try ThreadedDriver(parts: parts)
        case .coroutine: driver = try CoroutineDriver(parts: parts)
        }
        // The addresses folded into ranges: 200 loopback hosts are one word, not 200.
        let listening = HostList.fold(addresses.map(\.description))
        logger.notice("listening on \(listening) \(details) pid=\(ProcessIdentity.processID)")
        if let unusable = ServerHome.unusable() {
            logger.warning("cannot enter the home directory \(ServerHome.path) (\(unusable)): commands that name no directory run in /")
        }
        if security.isOpenToTheNetwork {
            logger.warning("WARNING: \(listening) is reachable from the network and has NO AUTHENTICATION: "
                           + "anyone who can connect can run commands as uid \(ProcessIdentity.effectiveUserID)")
        }
        driver.run()
    }
}

/// How a mode waits: it serves the listener's connections until the shutdown is complete.
protocol ServerDriver {
    func run()
}

/// What the server hands every driver: the listening sockets, the shutdown,
/// and what a connection needs.
struct ServerParts {
    let listener: Listener
    let shutdown: ShutdownController
    let configuration: ServerConfiguration
    let security: ServerSecurity
    let logger: Logger

    /// An accepted socket as a connection, told when its handshake ends.
    func connection(_ socket: FileDescriptor, _ peer: SocketAddress, _ standing: PeerStanding) -> Connection {
        Connection(socket: socket, peer: peer, configuration: configuration, security: security, standing: standing,
                   logger: logger, handshakeEnded: listener.handshakeEnded)
    }
}
