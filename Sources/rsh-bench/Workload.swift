import RemoteShell

/// The workloads a report measures: their titles, and who each one measures.
enum Workload: String, CaseIterable {
    case sequentialEcho = "seq-echo"
    case concurrent16 = "conc16-echo"
    case concurrent64 = "conc64-echo"
    case sleep1000 = "sleep-1000"
    case stream = "stream-1g"
    case idle = "idle-10k"
    case idleTLS = "idle-10k-tls"
    case burstTLS = "burst-500-tls"
    case oneShot = "oneshot"
    case spawnPaths = "spawn-paths"
    case upload = "upload-1g"
    case download = "download-1g"
    case fanOut = "fanout-1000"

    var title: String {
        switch self {
        case .sequentialEcho: return "sequential `echo hi`, 1 connection"
        case .concurrent16: return "`echo hi`, 16 connections"
        case .concurrent64: return "`echo hi`, 64 connections"
        case .sleep1000: return "1,000 concurrent `sleep 1`"
        case .stream: return "1 GiB on stdout"
        case .idle: return "10,000 idle connections"
        case .idleTLS: return "10,000 idle TLS connections"
        case .burstTLS: return "500 TLS clients at once, each `echo hi`"
        case .oneShot: return "one-shot `HOST true`, whole client process"
        case .spawnPaths: return "direct exec against sh -c, per command"
        case .upload: return "1 GiB up, rsh cp (OpenSSH: scp)"
        case .download: return "1 GiB down, rsh cp (OpenSSH: scp)"
        case .fanOut: return "`true` on 1,000 hosts, 256 at a time"
        }
    }

    /// The modes rshd runs in: blocking serves one connection at a time, so
    /// a thousand sleeps would take a thousand seconds, and idle connections
    /// never get past the backlog. The fan-out's thousand hosts are one
    /// server, in the mode made for many connections.
    var modes: [ServerMode] {
        switch self {
        case .sleep1000, .idle, .idleTLS: return [.threaded, .coroutine]
        case .fanOut: return [.coroutine]
        case .spawnPaths: return []
        default: return ServerMode.allCases
        }
    }

    /// Whether the load generator's clients of this workload speak TLS.
    var generatorSpeaksTLS: Bool { self == .idleTLS || self == .burstTLS }

    /// Whether `rsh` over TLS is held against the TLS floor here (`Contender.tlsFloor`).
    var measuresTLSFloor: Bool { self == .oneShot || self == .stream }

    /// Whether `rsh cp` is held against the copy floor here (`Contender.copyFloor`).
    var measuresCopyFloor: Bool { self == .upload || self == .download }

    /// Whether rshd is held against the spawn floor here (`Contender.spawnFloor`).
    var measuresSpawnFloor: Bool { self == .sequentialEcho || self == .concurrent16 || self == .concurrent64 }

    /// The floor a result's `floorRatio` is to, as the report names it.
    var floorName: String {
        if measuresCopyFloor { return "copy floor" }
        return measuresSpawnFloor ? "spawn floor" : "TLS floor"
    }

    /// Who the workload's interleaved rounds measure, in the order of the
    /// first round; empty for the workloads measured mode by mode.
    func contenders(modes: [ServerMode], peers: Peers) -> [Contender] {
        let modes = self.modes.filter(modes.contains)
        let raw = RawSpawn.Path.allCases.map(Contender.raw)
        let python = PythonPeer.allCases.map(Contender.python).filter(peers.contains)
        // The real rsh, in clear (--plain) and over TLS, in each mode.
        let clients = modes.flatMap { mode in ClientTransport.allCases.map { Contender.rsh(mode, $0) } }
        let ssh: [Contender] = peers.contains(.openSSH) ? [.openSSH] : []
        let spawnFloor: [Contender] = peers.spawnFloor == nil ? [] : [.spawnFloor]
        switch self {
        case .sequentialEcho, .concurrent16:
            return raw + modes.flatMap { mode in WireProtocol.allCases.map { .rshd(mode, $0) } } + python + spawnFloor
        case .concurrent64:
            return raw + modes.map { .rshd($0, .v1) } + spawnFloor
        case .stream:
            return [.relay] + modes.map { .rshd($0, .v1) } + clients + ssh + (peers.tlsFloor == nil ? [] : [.tlsFloor])
        case .oneShot:
            return raw + clients + ssh + (peers.tlsFloor == nil ? [] : [.tlsFloor])
        case .fanOut:
            // rsh -w and pdsh over the same transport side by side, so that
            // each ratio's two runs are neighbours in every round.
            return modes.flatMap { mode in
                ClientTransport.allCases.flatMap { transport in
                    [Contender.fanOut(mode, transport)] + (peers.contains(.pdsh(transport)) ? [.pdsh(transport)] : [])
                }
            }
        case .sleep1000, .idle, .idleTLS, .burstTLS, .spawnPaths, .upload, .download:
            return []
        }
    }
}

/// How the real `rsh` reaches rshd in a workload: `--plain`, or TLS (its default).
enum ClientTransport: String, CaseIterable, Hashable, Sendable {
    case plain
    case tls
}
