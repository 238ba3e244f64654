import RemoteShell

/// The workloads a report measures: their titles, and the modes each runs on.
enum Workload: String, CaseIterable {
    case sequentialEcho = "seq-echo"
    case concurrent16 = "conc16-echo"
    case concurrent64 = "conc64-echo"
    case sleep1000 = "sleep-1000"
    case stream = "stream-1g"
    case streamTLS = "stream-1g-tls"
    case idle = "idle-10k"
    case idleTLS = "idle-10k-tls"
    case burstTLS = "burst-500-tls"
    case oneShot = "oneshot"
    case oneShotPlain = "oneshot-plain"

    var title: String {
        switch self {
        case .sequentialEcho: return "sequential `echo hi`, 1 connection"
        case .concurrent16: return "`echo hi`, 16 connections"
        case .concurrent64: return "`echo hi`, 64 connections"
        case .sleep1000: return "1,000 concurrent `sleep 1`"
        case .stream: return "1 GiB on stdout"
        case .streamTLS: return "1 GiB through the real `rsh`, TLS vs plain"
        case .idle: return "10,000 idle connections"
        case .idleTLS: return "10,000 idle TLS connections"
        case .burstTLS: return "500 TLS clients at once, each `echo hi`"
        case .oneShot: return "one-shot `rsh HOST true` over TLS with a key, whole process"
        case .oneShotPlain: return "one-shot `rsh --plain HOST true`, whole process"
        }
    }

    /// The modes it runs on: blocking serves one connection at a time, so a
    /// thousand sleeps would take a thousand seconds, and idle connections
    /// never get past the backlog.
    var modes: [ServerMode] {
        switch self {
        case .sleep1000, .idle, .idleTLS: return [.threaded, .coroutine]
        default: return ServerMode.allCases
        }
    }

    /// Whether the bench's own clients speak TLS (with the bench key) to this workload's server.
    var generatorSpeaksTLS: Bool {
        switch self {
        case .idleTLS, .burstTLS, .oneShot: return true
        default: return false
        }
    }
}
