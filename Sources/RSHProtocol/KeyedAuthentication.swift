/// A pre-shared key and the HMAC that goes with it.
public struct KeyedAuthentication: Sendable {
    public let key: [UInt8]
    public let makeAuthenticator: AuthenticatorFactory

    public init(key: [UInt8], makeAuthenticator: @escaping AuthenticatorFactory) {
        self.key = key
        self.makeAuthenticator = makeAuthenticator
    }

    /// The integrity of frames in one direction, under the session key.
    func integrity(_ direction: FrameIntegrity.Direction, challenge: [UInt8], nonce: [UInt8]) -> FrameIntegrity {
        let sessionKey = Handshake.sessionKey(makeAuthenticator(key), challenge: challenge, nonce: nonce)
        return FrameIntegrity(makeAuthenticator(sessionKey), direction)
    }
}
