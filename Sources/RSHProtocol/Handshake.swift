/// The pre-shared-key handshake (PROTOCOL.md, "Authentication"), as pure
/// functions of the key, the server's challenge and the client's nonce:
///
///     proof (client) = HMAC-SHA256(K, "rsh1 client"  || challenge || nonce)
///     proof (server) = HMAC-SHA256(K, "rsh1 server"  || challenge || nonce)
///     session key Ks = HMAC-SHA256(K, "rsh1 session" || challenge || nonce)
public enum Handshake {
    /// The `auth` value of a hello that asks for this handshake.
    public static let method = "hmac-sha256"

    static let clientLabel = Array("rsh1 client".utf8)
    static let serverLabel = Array("rsh1 server".utf8)
    static let sessionLabel = Array("rsh1 session".utf8)

    public static func clientProof(_ authenticator: any MessageAuthenticator, challenge: [UInt8], nonce: [UInt8]) -> [UInt8] {
        authenticator.authenticate([clientLabel, challenge, nonce])
    }

    public static func serverProof(_ authenticator: any MessageAuthenticator, challenge: [UInt8], nonce: [UInt8]) -> [UInt8] {
        authenticator.authenticate([serverLabel, challenge, nonce])
    }

    public static func sessionKey(_ authenticator: any MessageAuthenticator, challenge: [UInt8], nonce: [UInt8]) -> [UInt8] {
        authenticator.authenticate([sessionLabel, challenge, nonce])
    }

    /// Checks the client's proof, comparing in constant time.
    public static func isValidClientProof(_ proof: [UInt8], _ authenticator: any MessageAuthenticator,
                                          challenge: [UInt8], nonce: [UInt8]) -> Bool {
        authenticator.verify(proof, [clientLabel, challenge, nonce])
    }

    /// Checks the server's proof, comparing in constant time.
    public static func isValidServerProof(_ proof: [UInt8], _ authenticator: any MessageAuthenticator,
                                          challenge: [UInt8], nonce: [UInt8]) -> Bool {
        authenticator.verify(proof, [serverLabel, challenge, nonce])
    }
}
