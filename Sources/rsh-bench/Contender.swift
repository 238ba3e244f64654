import RemoteShell

/// What a round of a workload measures: the command with no server at all
/// (the raw limit), rshd (driven by the load generator, or by the real `rsh`
/// client), or what a user might pick instead: another server, or pdsh's fan-out.
enum Contender: Hashable, Sendable {
    /// The command run by this process, one of the two ways (`RawSpawn`).
    case raw(RawSpawn.Path)
    /// A child's stdout copied to a loopback socket by this process (`RawLimits.relayRate`).
    case relay
    /// rshd, driven by the load generator in this process.
    case rshd(ServerMode, WireProtocol)
    /// rshd, driven by the real `rsh` client, one process per command, in clear or over TLS.
    case rsh(ServerMode, ClientTransport)
    /// rshd listening on many loopback addresses, each one a host of one
    /// `rsh -w` process: the fan-out built into the client.
    case fanOut(ServerMode, ClientTransport)
    /// The same hosts through pdsh's fan-out: `pdsh -R exec` starting one
    /// `rsh` process per host, in clear or over TLS.
    case pdsh(ClientTransport)
    case python(PythonPeer)
    /// A private `sshd`, driven by the real `ssh` client.
    case openSSH
    /// The bare TLS 1.3 client and server in C on the system's libssl
    /// (`tls-floor`): what a TLS connection costs at the least here, which
    /// `rsh` over TLS is held against.
    case tlsFloor
    /// The bare verified, atomic copy in C (`copy-floor`): two processes,
    /// loopback TCP, SHA-256 on both sides, a temporary file renamed into
    /// place. What `rsh cp` is held against.
    case copyFloor
    /// The bare classic-protocol server in C (`spawn-floor`): a thread per
    /// connection, `sh -c` through posix_spawn, both pipes read, the child
    /// reaped, one reply. What rshd is held against on the echo workloads.
    case spawnFloor

    /// The "server" column.
    var server: String {
        switch self {
        case .raw, .relay: return "raw (no server)"
        case .rshd(let mode, _), .rsh(let mode, _), .fanOut(let mode, _): return "rshd \(mode.rawValue)"
        case .python(let peer): return peer.name
        case .openSSH: return "OpenSSH"
        case .pdsh: return "pdsh -R exec"
        case .tlsFloor: return "TLS floor (C, libssl)"
        case .copyFloor: return "copy floor (C, libcrypto)"
        case .spawnFloor: return "spawn floor (C)"
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
        case .fanOut(_, .plain): return "v1, rsh -w --plain"
        case .fanOut(_, .tls): return "v1 over TLS, rsh -w"
        case .python: return "classic"
        case .openSSH: return "ssh client"
        case .pdsh(.plain): return "rsh --plain per host"
        case .pdsh(.tls): return "rsh over TLS per host"
        case .tlsFloor: return "tls-floor"
        case .copyFloor: return "copy-floor"
        case .spawnFloor: return "classic"
        }
    }

    var label: String { "\(server), \(via)" }

    /// A peer's name in the peers table: pdsh has a column per transport,
    /// each held against `rsh -w` over the same one.
    var peerName: String {
        if case .pdsh = self { return label }
        return server
    }

    /// rshd, however it is driven.
    var isRSHD: Bool {
        switch self {
        case .rshd, .rsh, .fanOut: return true
        default: return false
        }
    }

    var isRaw: Bool {
        switch self {
        case .raw, .relay: return true
        default: return false
        }
    }

    /// A bare C program doing only what rshd (or rsh) must: a floor, not a peer.
    var isFloor: Bool {
        switch self {
        case .tlsFloor, .copyFloor, .spawnFloor: return true
        default: return false
        }
    }

    var isPeer: Bool { !isRSHD && !isRaw && !isFloor }

    /// Whether rshd driven this way and `peer` are driven alike, so that
    /// their ratio compares servers and not clients: the load generator for
    /// rshd and the Python servers, a client process each for rsh and ssh,
    /// and one fan-out over the same transport for `rsh -w` and pdsh.
    func isComparable(to peer: Contender) -> Bool {
        switch (self, peer) {
        case (.rshd, .python), (.rsh, .openSSH): return true
        case (.fanOut(_, let transport), .pdsh(let peerTransport)): return transport == peerTransport
        default: return false
        }
    }

    /// The same client in clear, for a client over TLS: what its TLS is held against.
    var plainTwin: Contender? {
        switch self {
        case .rsh(let mode, .tls): return .rsh(mode, .plain)
        case .fanOut(let mode, .tls): return .fanOut(mode, .plain)
        default: return nil
        }
    }

    var mode: ServerMode? {
        switch self {
        case .rshd(let mode, _), .rsh(let mode, _), .fanOut(let mode, _): return mode
        default: return nil
        }
    }
}
