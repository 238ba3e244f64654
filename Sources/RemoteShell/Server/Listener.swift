import RSHProtocol
import RSHSystem
import Synchronization

/// The listening socket and the accept policy every driver shares: the
/// connection cap, and a pause instead of a busy loop when the process is
/// out of descriptors.
final class Listener: Sendable {
    enum Accepted {
        case connection(FileDescriptor, SocketAddress)
        /// Nothing is waiting.
        case none
        /// Out of descriptors or memory: stop accepting for `Listener.backoff`,
        /// so the pending connection does not make the loop spin.
        case backoff
    }

    /// How long accepting pauses after `EMFILE`, `ENFILE`, `ENOBUFS` or `ENOMEM`.
    static let backoff: Duration = .milliseconds(100)

    let descriptor: FileDescriptor
    let address: SocketAddress
    let maxConnections: Int
    private let logger: Logger
    private let active = Atomic<Int>(0)
    private let lastExhaustionLog = Mutex<ContinuousClock.Instant?>(nil)

    init(configuration: ServerConfiguration, logger: Logger) throws(ServerError) {
        self.logger = logger
        maxConnections = configuration.maxConnections
        do {
            descriptor = try FileDescriptor.listeningSocket(at: configuration.listenAddress)
            address = try descriptor.localAddress()
        } catch {
            throw ServerError.cannotListen(configuration.listenAddress, error)
        }
        if case .unix(let path) = configuration.listenAddress {
            // getsockname gives back the path only for bound sockets; keep the one we were given.
            _ = path
        }
    }

    var activeConnections: Int { active.load(ordering: .relaxed) }

    /// Accepts one connection. Over the cap, the client is told `busy` and closed.
    func accept() -> Accepted {
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
            guard let (fd, peer) = result else { return .none }
            if case .unix = address {} else { try? fd.setNoDelay() }
            guard active.wrappingAdd(1, ordering: .relaxed).newValue <= maxConnections else {
                active.wrappingSubtract(1, ordering: .relaxed)
                logger.warning("refused peer=\(peer): at the limit of \(maxConnections) connections")
                ServerSession.busyReply().withUnsafeBytes { _ = try? fd.trySend($0) }
                fd.closeAfterUse()
                continue
            }
            return .connection(fd, peer)
        }
    }

    /// A connection accepted by `accept` has closed.
    func connectionClosed() {
        active.wrappingSubtract(1, ordering: .relaxed)
    }

    func close() {
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

/// Why the server could not start.
public enum ServerError: Error, CustomStringConvertible {
    case cannotListen(SocketAddress, Errno)
    case cannotStart(String, Errno)

    public var description: String {
        switch self {
        case .cannotListen(let address, let errno): return "cannot listen on \(address): \(errno)"
        case .cannotStart(let what, let errno): return "cannot start \(what): \(errno)"
        }
    }
}
