/// The version of rsh and rshd, as `--version` prints it and the hello frames carry it.
public enum RemoteShellVersion {
    public static let current = "0.1.0"
    public static var serverName: String { "rshd/\(current)" }
    public static var clientName: String { "rsh/\(current)" }
}
