import RSHSystem

/// Why the server could not start.
public enum ServerError: Error, CustomStringConvertible {
    case cannotListen(SocketAddress, Errno)
    case cannotStart(String, Errno)
    /// The configuration would let anyone run commands.
    case unsafe(String)
    /// A host key, pre-shared key or authorized_keys file that cannot be used.
    case unusableKey(String)

    public var description: String {
        switch self {
        case .cannotListen(let address, let errno): return "cannot listen on \(address): \(errno)"
        case .cannotStart(let what, let errno): return "cannot start \(what): \(errno)"
        case .unsafe(let message), .unusableKey(let message): return message
        }
    }
}
