import RSHProtocol
import RSHSystem

/// Why the client could not run a command. Each ends `rsh` with status 255
/// (as ssh does) and a one-line message, except `localOutputClosed` (141,
/// like a process killed by SIGPIPE), `interrupted` (130, like SIGINT) and
/// `timedOut` (124, like timeout(1) and a remote timeout).
enum ClientError: Error, CustomStringConvertible {
    case cannotConnect(String, Errno)
    case connectionLost(String)
    case protocolViolation(ProtocolError)
    /// The server refused the request (bad cwd, too many commands, ...).
    case rejected(ProtocolError)
    /// Our stdout or stderr was closed by its reader.
    case localOutputClosed
    /// Ctrl-C three times: the user gave up on the server.
    case interrupted
    /// The reply did not arrive within `--timeout` (classic mode, where the
    /// timeout is the client's own).
    case timedOut(Duration)
    /// A key file or option that cannot be used.
    case unusable(String)
    /// The user typed the `~.` escape.
    case disconnected
    /// SIGTERM, SIGHUP or SIGINT ended a terminal session.
    case killed(Signal)

    var description: String {
        switch self {
        case .cannotConnect(let target, let errno): return "cannot connect to \(target): \(errno)"
        case .connectionLost(let reason): return "connection lost: \(reason)"
        case .protocolViolation(let error):
            return "\(error.message) (\(error.code.rawValue))"
        case .rejected(let error): return "\(error.message) (\(error.code.rawValue))"
        case .localOutputClosed: return "output closed"
        case .interrupted: return "interrupted"
        case .timedOut(let timeout): return "no complete reply within \(timeout) (--timeout)"
        case .unusable(let message): return message
        case .disconnected: return "disconnected"
        case .killed(let signal): return "killed by signal \(signal.name)"
        }
    }

    var exitStatus: Int32 {
        switch self {
        case .localOutputClosed: return ExitStatus.signaled(.brokenPipe).shellStatus
        case .interrupted: return ExitStatus.signaled(.interrupt).shellStatus
        case .timedOut: return 124
        default: return 255
        }
    }
}
