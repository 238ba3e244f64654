import RSHProtocol
import RSHSystem

/// Everything `rshd` can be told. Defaults are the documented ones (see SECURITY.md).
public struct ServerConfiguration: Sendable {
    public var mode: ServerMode = .coroutine
    /// Where to listen: one address or several (`--listen`, repeatable), like
    /// sshd's ListenAddress. One server on many loopback addresses is many test hosts.
    public var listenAddresses: [SocketAddress] = [.ipv4(host: "127.0.0.1", port: 8080)]
    /// Connections served at once; more are answered `busy` and closed.
    public var maxConnections = 1024
    /// Commands in flight on one connection.
    public var maxExecs = Limits.defaultMaxExecsPerConnection
    /// Applied to commands that ask for none. `nil`: no timeout.
    public var defaultTimeout: Duration?
    /// Between TERM and KILL in a teardown, and for running commands at shutdown.
    public var grace: Duration = .seconds(2)
    /// From accept to a finished handshake (the client's hello answered).
    public var handshakeTimeout: Duration = .seconds(10)
    /// From the first byte of a frame to its last: a peer that starts a
    /// frame must finish it (slow senders hold no connection open forever).
    public var frameTimeout: Duration = .seconds(10)
    /// How long the server waits for a client that does not read its output
    /// before it closes the connection and tears its commands down.
    public var writeStallTimeout: Duration = .seconds(30)
    public var classicOutputCap = Limits.defaultClassicOutputCap
    /// Event loops in coroutine mode.
    public var loops = ProcessIdentity.processorCount
    /// The scheduling policy of the server's threads; `ServerCommand` applies it.
    public var scheduling: ServerScheduling = .batch
    public var logLevel: LogLevel = .info
    /// A pre-shared key clients may log in with, as a TLS 1.3 external PSK (`--key-file`).
    public var key: [UInt8]?
    /// The server's Ed25519 key (`--host-key`); `nil`: `~/.rsh/host_ed25519`.
    /// Made, with mode 0600, at the first start if the file does not exist.
    public var hostKeyPath: String?
    /// The keys that may log in (`--authorized-keys`); `nil`:
    /// `~/.rsh/authorized_keys` when that file exists.
    public var authorizedKeysPath: String?
    /// Serve beyond loopback without a key (`--allow-unauthenticated`).
    public var allowUnauthenticated = false
    /// Connections that have not finished their handshake, at most; more are
    /// answered `busy` and closed (sshd's MaxStartups).
    public var maxUnauthenticated = 64

    public init() {}

    /// The session configuration every connection starts from.
    func sessionConfiguration() -> ServerSession.Configuration {
        ServerSession.Configuration(serverName: RemoteShellVersion.serverName, mode: mode.rawValue, maxExecs: maxExecs,
                                    defaultTimeoutMilliseconds: defaultTimeout.map(\.milliseconds),
                                    classicOutputCap: classicOutputCap)
    }

    /// The deadlines every connection starts with.
    var connectionTimeouts: ConnectionMachine.Timeouts {
        ConnectionMachine.Timeouts(handshake: handshakeTimeout, frame: frameTimeout, writeStall: writeStallTimeout, grace: grace)
    }
}
