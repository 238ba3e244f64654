import RemoteShell

/// The workloads a report measures: their titles, and the modes each runs on.
enum Workload: String, CaseIterable {
    case sequentialEcho = "seq-echo"
    case concurrent16 = "conc16-echo"
    case concurrent64 = "conc64-echo"
    case sleep1000 = "sleep-1000"
    case stream = "stream-1g"
    case streamAuthenticated = "stream-1g-auth"
    case idle = "idle-10k"
    case oneShot = "oneshot"

    var title: String {
        switch self {
        case .sequentialEcho: return "sequential `echo hi`, 1 connection"
        case .concurrent16: return "`echo hi`, 16 connections"
        case .concurrent64: return "`echo hi`, 64 connections"
        case .sleep1000: return "1,000 concurrent `sleep 1`"
        case .stream: return "1 GiB on stdout"
        case .streamAuthenticated: return "stdout stream, auth on vs off (512 MiB rounds)"
        case .idle: return "10,000 idle connections"
        case .oneShot: return "one-shot `rsh HOST true`, whole process"
        }
    }

    /// The modes it runs on: blocking serves one connection at a time, so a
    /// thousand sleeps would take a thousand seconds, and idle connections
    /// never get past the backlog.
    var modes: [ServerMode] {
        switch self {
        case .sleep1000, .idle: return [.threaded, .coroutine]
        default: return ServerMode.allCases
        }
    }
}
