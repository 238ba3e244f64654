import RemoteShell

/// What a round of a workload measures: the command with no server at all
/// (the raw limit), rshd (driven by the load generator, or by the real `rsh`
/// client), or a server a user might pick instead.
enum Contender: Hashable, Sendable {
    /// The command run by this process, one of the two ways (`RawSpawn`).
    case raw(RawSpawn.Path)
    /// A child's stdout copied to a loopback socket by this process (`RawLimits.relayRate`).
    case relay
    /// rshd, driven by the load generator in this process.
    case rshd(ServerMode, WireProtocol)
    /// rshd, driven by the real `rsh` client, one process per command, in clear or over TLS.
    case rsh(ServerMode, ClientTransport)
    case python(PythonPeer)
    /// A private `sshd`, driven by the real `ssh` client.
    case openSSH

    /// The "server" column.
    var server: String {
        switch self {
        case .raw, .relay: return "raw (no server)"
        case .rshd(let mode, _), .rsh(let mode, _): return "rshd \(mode.rawValue)"
        case .python(let peer): return peer.name
        case .openSSH: return "OpenSSH"
        }
    }

    /// The "via" column: the protocol and client, or the raw path.
    var via: String {
        switch self {
        case .raw(let path): return path.rawValue
        case .relay: return "pipe to socket"
        case .rshd(_, let wire): return wire.rawValue
        case .rsh(_, .plain): return "v1, rsh --plain"
        case .rsh(_, .tls): return "v1 over TLS, rsh"
        case .python: return "classic"
        case .openSSH: return "ssh client"
        }
    }

    var label: String { "\(server), \(via)" }

    /// rshd, however it is driven.
    var isRSHD: Bool {
        switch self {
        case .rshd, .rsh: return true
        default: return false
        }
    }

    var isRaw: Bool {
        switch self {
        case .raw, .relay: return true
        default: return false
        }
    }

    var isPeer: Bool { !isRSHD && !isRaw }

    /// Whether rshd driven this way and `peer` are driven alike, so that
    /// their ratio compares servers and not clients: the load generator for
    /// rshd and the Python servers, a client process each for rsh and ssh.
    func isComparable(to peer: Contender) -> Bool {
        switch (self, peer) {
        case (.rshd, .python), (.rsh, .openSSH): return true
        default: return false
        }
    }

    var mode: ServerMode? {
        switch self {
        case .rshd(let mode, _), .rsh(let mode, _): return mode
        default: return nil
        }
    }
}
