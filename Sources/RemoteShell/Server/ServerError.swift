import RSHSystem

/// Why the server could not start.
public enum ServerError: Error, CustomStringConvertible {
    case cannotListen(SocketAddress, Errno)
    case cannotStart(String, Errno)
    /// The configuration would let anyone run commands.
    case unsafe(String)

    public var description: String {
        switch self {
        case .cannotListen(let address, let errno): return "cannot listen on \(address): \(errno)"
        case .cannotStart(let what, let errno): return "cannot start \(what): \(errno)"
        case .unsafe(let message): return message
        }
    }
}
