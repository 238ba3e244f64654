import RSHProtocol
import RSHSystem
import RSHTLS

/// Why the client could not run a command. Each ends `rsh` with status 255
/// (as ssh does) and a one-line message, except `localOutputClosed` (141,
/// like a process killed by SIGPIPE), `interrupted` (130, like SIGINT) and
/// `timedOut` (124, like timeout(1) and a remote timeout).
enum ClientError: Error, CustomStringConvertible {
    case cannotConnect(String, Errno)
    /// The host name did not resolve (`getaddrinfo`'s reason).
    case unresolved(host: String, reason: String)
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
    /// The server's key is not the one known_hosts has for it, or it is
    /// unknown and was not accepted: nothing was sent.
    case hostKeyRejected(String)
    /// TLS failed; `identity` names the key offered ("FILE (SHA256:...)"), if any.
    case tls(TLSError, identity: String?)

    var description: String {
        switch self {
        case .cannotConnect(let target, let errno): return "cannot connect to \(target): \(errno)"
        case .unresolved(let host, let reason): return "cannot resolve the host name \"\(host)\": \(reason)"
        case .connectionLost(let reason): return "connection lost: \(reason)"
        case .protocolViolation(let error):
            return "\(error.message) (\(error.code.rawValue))"
        case .rejected(let error): return "\(error.message) (\(error.code.rawValue))"
        case .localOutputClosed: return "output closed"
        case .interrupted: return "interrupted"
        case .timedOut(let timeout): return "no complete reply within \(timeout) (--timeout)"
        case .unusable(let message), .hostKeyRejected(let message): return message
        case .tls(let error, let identity): return Self.describe(error, identity: identity)
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

    private static func describe(_ error: TLSError, identity: String?) -> String {
        switch error.kind {
        case .peerRequiresKey:
            return "permission denied: the server requires a key and rsh has none to offer (make one with 'rsh keygen', or name one with -i FILE)"
        case .peerRefusedOurKey:
            let key = identity ?? "offered"
            return "permission denied: the server does not accept the key \(key); its public line must be in the server's authorized_keys"
        case .preSharedKeyMismatch:
            return "the server does not hold the same pre-shared key (--key-file): the TLS handshake failed"
        case .notTLS:
            return "the server did not answer in TLS (an rshd without it, or a classic server?); try --plain or --classic"
        case .integrity:
            return "the connection was altered on its way: a TLS record failed its integrity check (\(error.detail))"
        case .peerKeyRefused:
            return "the server's certificate does not carry an Ed25519 key"
        case .configuration, .peerSentNoKey, .protocolViolation:
            return "TLS failed: \(error.detail)"
        }
    }
}
