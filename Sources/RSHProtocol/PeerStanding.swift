/// What the server knows of the user at the other end of a connection, from
/// the kernel (`SO_PEERCRED` on a Unix socket, a sock_diag query on loopback TCP).
public enum PeerStanding: Hashable, Sendable {
    /// Not asked: the server authenticates its clients, or listens beyond this machine.
    case unchecked
    /// The server's own user, or root.
    case owner
    /// Another user (`nil`: the kernel could not say which, which counts the same).
    case stranger(uid: UInt32?)
}
