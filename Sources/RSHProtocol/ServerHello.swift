/// The server's answer to the client's `hello`.
public struct ServerHello: Hashable, Sendable {
    public var version: Int64
    public var server: String
    public var mode: String
    /// How the server authenticated the client: "publickey", "psk" or "none"
    /// (`ClientAuthentication`). Kept as text: a client passes on one it does not know.
    public var auth: String
    /// The stdin window of each command, when the client asked for flow control.
    public var stdinWindow: Int64?
    /// The window of each upload, when the client asked for flow control.
    public var uploadWindow: Int64?

    public init(version: Int64 = Int64(Limits.protocolVersion), server: String, mode: String, auth: String = "none",
                stdinWindow: Int64? = nil) {
        self.version = version
        self.server = server
        self.mode = mode
        self.auth = auth
        self.stdinWindow = stdinWindow
    }
}
