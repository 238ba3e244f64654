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

/// Lower-case hexadecimal, as the handshake's byte strings travel in JSON.
public enum Hex {
    public static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The bytes, or `nil` if `text` is not an even number of hex digits.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = value(utf8[index]), let low = value(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
