import RemoteShell

/// The workloads a report measures: their titles, and who each one measures.
enum Workload: String, CaseIterable {
    case sequentialEcho = "seq-echo"
    case concurrent16 = "conc16-echo"
    case concurrent64 = "conc64-echo"
    case sleep1000 = "sleep-1000"
    case stream = "stream-1g"
    case streamAuthenticated = "stream-1g-auth"
    case idle = "idle-10k"
    case oneShot = "oneshot"
    case spawnPaths = "spawn-paths"
    case upload = "upload-1g"
    case download = "download-1g"

    var title: String {
        switch self {
        case .sequentialEcho: return "sequential `echo hi`, 1 connection"
        case .concurrent16: return "`echo hi`, 16 connections"
        case .concurrent64: return "`echo hi`, 64 connections"
        case .sleep1000: return "1,000 concurrent `sleep 1`"
        case .stream: return "1 GiB on stdout"
        case .streamAuthenticated: return "stdout stream, auth on vs off (512 MiB rounds)"
        case .idle: return "10,000 idle connections"
        case .oneShot: return "one-shot `HOST true`, whole client process"
        case .spawnPaths: return "direct exec against sh -c, per command"
        case .upload: return "1 GiB up, rsh cp (OpenSSH: scp)"
        case .download: return "1 GiB down, rsh cp (OpenSSH: scp)"
        }
    }

    /// The modes rshd runs in: blocking serves one connection at a time, so
    /// a thousand sleeps would take a thousand seconds, and idle connections
    /// never get past the backlog.
    var modes: [ServerMode] {
        switch self {
        case .sleep1000, .idle: return [.threaded, .coroutine]
        case .spawnPaths: return []
        default: return ServerMode.allCases
        }
    }

    /// Who the workload's interleaved rounds measure, in the order of the
    /// first round; empty for the workloads measured mode by mode.
    func contenders(modes: [ServerMode], peers: Peers) -> [Contender] {
        let modes = self.modes.filter(modes.contains)
        let raw = RawSpawn.Path.allCases.map(Contender.raw)
        let python = PythonPeer.allCases.map(Contender.python).filter(peers.contains)
        switch self {
        case .sequentialEcho, .concurrent16:
            return raw + modes.flatMap { mode in WireProtocol.allCases.map { .rshd(mode, $0) } } + python
        case .concurrent64:
            return raw + modes.map { .rshd($0, .v1) }
        case .stream:
            return [.relay] + modes.map { .rshd($0, .v1) } + modes.map(Contender.rsh) + (peers.contains(.openSSH) ? [.openSSH] : [])
        case .oneShot:
            return raw + modes.map(Contender.rsh) + (peers.contains(.openSSH) ? [.openSSH] : [])
        case .sleep1000, .streamAuthenticated, .idle, .spawnPaths, .upload, .download:
            return []
        }
    }
}
