import RSHProtocol
import RSHSystem

/// Why the client could not run a command. Each ends `rsh` with status 255
/// (as ssh does) and a one-line message, except `localOutputClosed` (141,
/// like a process killed by SIGPIPE) and `interrupted` (130, like SIGINT).
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
    /// A key file or option that cannot be used.
    case unusable(String)

    var description: String {
        switch self {
        case .cannotConnect(let target, let errno): return "cannot connect to \(target): \(errno)"
        case .connectionLost(let reason): return "connection lost: \(reason)"
        case .protocolViolation(let error):
            return "\(error.message) (\(error.code.rawValue))"
        case .rejected(let error): return "\(error.message) (\(error.code.rawValue))"
        case .localOutputClosed: return "output closed"
        case .interrupted: return "interrupted"
        case .unusable(let message): return message
        }
    }

    var exitStatus: Int32 {
        switch self {
        case .localOutputClosed: return 128 + Signal.brokenPipe.rawValue
        case .interrupted: return 128 + Signal.interrupt.rawValue
        default: return 255
        }
    }
}
