/// The server's answer to the client's `hello`.
public struct ServerHello: Hashable, Sendable {
    public var version: Int64
    public var server: String
    public var mode: String
    /// How the server authenticated the client: "publickey", "psk" or "none"
    /// (`ClientAuthentication`), or `Handshake.method` when the client must authenticate.
    public var auth: String
    /// With `auth` "hmac-sha256": the random bytes the client's proof covers.
    public var challenge: [UInt8]?
    /// The stdin window of each command, when the client asked for flow control.
    public var stdinWindow: Int64?

    public init(version: Int64 = Int64(Limits.protocolVersion), server: String, mode: String, auth: String = "none",
                challenge: [UInt8]? = nil, stdinWindow: Int64? = nil) {
        self.version = version
        self.server = server
        self.mode = mode
        self.auth = auth
        self.challenge = challenge
        self.stdinWindow = stdinWindow
    }
}
