/// What the server knows of the user at the other end of a connection, from
/// the kernel (`SO_PEERCRED` on a Unix socket, a sock_diag query on loopback TCP).
public enum PeerStanding: Hashable, Sendable {
    /// Not asked: the server authenticates its clients, or listens beyond this machine.
    case unchecked
    /// The server's own user, or root.
    case owner
    /// Another user (`nil`: the kernel could not say which, which counts the same).
    case stranger(uid: UInt32?)

    /// The standing of a peer the kernel says is `uid` (`nil`: it could not
    /// say), to a server running as `serverUID`.
    public init(uid: UInt32?, serverUID: UInt32) {
        if let uid, uid == serverUID || uid == 0 { self = .owner } else { self = .stranger(uid: uid) }
    }
}
