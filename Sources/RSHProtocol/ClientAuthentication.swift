/// How the server knows who the client is: the `auth` of its hello.
public enum ClientAuthentication: String, Hashable, Sendable {
    /// TLS with a client certificate whose key is in the server's authorized_keys.
    case publicKey = "publickey"
    /// TLS with the server's pre-shared key.
    case preSharedKey = "psk"
    /// Not at all: a server that serves its own user on this machine only.
    case none
}
