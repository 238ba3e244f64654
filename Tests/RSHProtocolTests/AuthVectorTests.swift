import Foundation
import RSHCrypto
import RSHProtocol
import Testing

/// proto/vectors/auth.json, computed with Python's hmac module: the handshake
/// values and sealed frames must come out byte for byte the same here.
struct AuthVectors: Decodable {
    struct Sealed: Decodable {
        let direction: UInt8
        let sequence: UInt64
        let frame: String
        let trailer: String
    }

    let key, challenge, nonce: String
    let clientProof, serverProof, sessionKey: String
    let sealedFrames: [Sealed]

    enum CodingKeys: String, CodingKey {
        case key, challenge, nonce
        case clientProof = "client_proof", serverProof = "server_proof", sessionKey = "session_key"
        case sealedFrames = "sealed_frames"
    }
}

@Suite("Authentication vectors")
struct AuthVectorTests {
    let vectors = VectorFiles.load("auth.json", as: AuthVectors.self)

    @Test("proofs and session key match")
    func handshake() {
        let authenticator = HMACSHA256(key: hexBytes(vectors.key))
        let challenge = hexBytes(vectors.challenge), nonce = hexBytes(vectors.nonce)
        #expect(Handshake.clientProof(authenticator, challenge: challenge, nonce: nonce) == hexBytes(vectors.clientProof))
        #expect(Handshake.serverProof(authenticator, challenge: challenge, nonce: nonce) == hexBytes(vectors.serverProof))
        #expect(Handshake.sessionKey(authenticator, challenge: challenge, nonce: nonce) == hexBytes(vectors.sessionKey))
        #expect(Handshake.isValidClientProof(hexBytes(vectors.clientProof), authenticator, challenge: challenge, nonce: nonce))
    }

    @Test("sealed frames get the same trailers, and decode only with them")
    func sealedFrames() throws {
        let sessionKey = hexBytes(vectors.sessionKey)
        for direction in [FrameIntegrity.Direction.clientToServer, .serverToClient] {
            let sealer = FrameIntegrity(HMACSHA256(key: sessionKey), direction)
            var decoder = FrameDecoder()
            decoder.integrity = FrameIntegrity(HMACSHA256(key: sessionKey), direction)
            for vector in vectors.sealedFrames where vector.direction == direction.rawValue {
                #expect(sealer.sequence == vector.sequence)
                var wire = hexBytes(vector.frame)
                sealer.sealFrame(in: &wire, from: 0)
                #expect(wire == hexBytes(vector.frame) + hexBytes(vector.trailer))
                decoder.feed(wire)
                #expect(try decoder.next() != nil)
            }
        }
    }
}
