import RSHProtocol
import RSHSystem

/// `rshd`: binds the listening socket, then serves in the configured mode
/// until SIGTERM or SIGINT (or `shutdown.trigger`), stopping in order:
/// no new connections, running commands get the grace period, then teardown.
public final class Server {
    public let configuration: ServerConfiguration
    public let shutdown: ShutdownController
    let logger: Logger
    private let listener: Listener

    /// Binds the listening socket. `watchSignals` makes SIGTERM/SIGINT stop
    /// the server; they must then be blocked in every thread already
    /// (`SignalDisposition.block(ShutdownController.signals)`).
    public init(configuration: ServerConfiguration, watchSignals: Bool = true) throws(ServerError) {
        self.configuration = configuration
        logger = Logger(level: configuration.logLevel)
        if configuration.isOpenToTheNetwork, !configuration.allowUnauthenticated {
            let open = configuration.listenAddresses.filter { !$0.isLoopback }.map(\.description)
            throw .unsafe("refusing to listen on \(HostList.fold(open)) without a key: anyone who can reach it could run commands "
                          + "as uid \(ProcessIdentity.effectiveUserID). Make a key with 'rsh keygen FILE' and start rshd with "
                          + "'--key-file FILE' (clients use the same file), or pass --allow-unauthenticated")
        }
        listener = try Listener(configuration: configuration, logger: logger)
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
        details += configuration.key == nil ? " auth=none" : " auth=\(Handshake.method)"
        // The addresses folded into ranges: 200 loopback hosts are one word, not 200.
        let listening = HostList.fold(addresses.map(\.description))
        logger.notice("listening on \(listening) \(details) pid=\(ProcessIdentity.processID)")
        if configuration.isOpenToTheNetwork {
            logger.warning("WARNING: \(listening) is reachable from the network and has NO AUTHENTICATION: "
                           + "anyone who can connect can run commands as uid \(ProcessIdentity.effectiveUserID)")
        }
        defer {
            listener.close()
            logger.notice("stopped")
        }
        switch configuration.mode {
        case .blocking:
            BlockingDriver(listener: listener, shutdown: shutdown, configuration: configuration, logger: logger).run()
        case .threaded:
            ThreadedDriver(listener: listener, shutdown: shutdown, configuration: configuration, logger: logger).run()
        case .coroutine:
            try CoroutineDriver(listener: listener, shutdown: shutdown, configuration: configuration, logger: logger).run()
        }
    }
}
