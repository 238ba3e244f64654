import RSHTLS
import Testing

/// Two sessions wired to each other in memory: whatever one side produces,
/// the other receives, in chunks of `chunk` bytes (1: a byte at a time).
private struct Wire {
    let client: TLSSession
    let server: TLSSession
    var chunk = Int.max
    /// Everything that crossed, per direction, for the tests that look at the bytes.
    var clientToServer: [UInt8] = []
    var serverToClient: [UInt8] = []

    /// Moves the outbound bytes across until neither side has any; returns
    /// the first error either side's handshake or read ran into.
    mutating func run(clientReceived: inout [UInt8], serverReceived: inout [UInt8]) throws {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            var moved = false
            for (from, to, toServer) in [(client, server, true), (server, client, false)] {
                while from.outboundByteCount > 0 {
                    let bytes = from.withOutbound { Array($0.prefix(chunk)) }
                    from.consumeOutbound(bytes.count)
                    if toServer { clientToServer += bytes } else { serverToClient += bytes }
                    bytes.withUnsafeBytes { to.receive($0) }
                    moved = true
                    // The receiver acts on each chunk as it arrives.
                    if toServer { try drain(to, into: &buffer, &serverReceived) } else { try drain(to, into: &buffer, &clientReceived) }
                }
            }
            try drain(client, into: &buffer, &clientReceived)
            try drain(server, into: &buffer, &serverReceived)
            if !moved, client.outboundByteCount == 0, server.outboundByteCount == 0 { return }
        }
    }

    private func drain(_ session: TLSSession, into buffer: inout [UInt8], _ received: inout [UInt8]) throws {
        while true {
            let result = try buffer.withUnsafeMutableBytes { try session.read(into: $0) }
            guard case .bytes(let count) = result else { return }
            received += buffer[..<count]
        }
    }

    mutating func run() throws {
        var ignored: [UInt8] = [], alsoIgnored: [UInt8] = []
        try run(clientReceived: &ignored, serverReceived: &alsoIgnored)
    }
}

/// Delivers what the server has left to send (its alert) and returns the error the client then reads.
private func clientErrorAfterAlert(_ wire: Wire) -> TLSError? {
    let alert = wire.server.withOutbound { Array($0) }
    wire.server.consumeOutbound(alert.count)
    alert.withUnsafeBytes { wire.client.receive($0) }
    var buffer = [UInt8](repeating: 0, count: 100)
    do {
        _ = try buffer.withUnsafeMutableBytes { try wire.client.read(into: $0) }
        return nil
    } catch {
        return error as? TLSError
    }
}

private func write(_ session: TLSSession, _ bytes: [UInt8]) throws {
    var offset = 0
    while offset < bytes.count {
        offset += try bytes[offset...].withUnsafeBytes { try session.write($0) }
    }
}

@Suite("TLS 1.3 through memory BIOs, with no socket")
struct TLSSessionTests {
    static let serverKey = try! Ed25519PrivateKey.generate()
    static let clientKey = try! Ed25519PrivateKey.generate()
    static let psk = Array("0123456789abcdef0123456789abcdef".utf8)

    static func serverContext(authorizing keys: Set<Ed25519PublicKey>? = nil, psk: [UInt8]? = nil) throws -> TLSContext {
        let peerKeys: TLSContext.PeerKeys = keys.map { set in .authorized({ set.contains($0) }) } ?? .notRequested
        return try TLSContext(role: .server, identity: serverKey, preSharedKey: psk, peerKeys: peerKeys)
    }

    static func clientContext(identity: Ed25519PrivateKey? = clientKey, psk: [UInt8]? = nil) throws -> TLSContext {
        try TLSContext(role: .client, identity: identity, preSharedKey: psk, peerKeys: .anyKey)
    }

    @Test("a handshake with keys on both sides: each sees the other's key; data crosses both ways, whole and a byte at a time",
          arguments: [Int.max, 1, 7])
    func mutualKeys(chunk: Int) throws {
        var wire = Wire(client: try TLSSession(Self.clientContext()),
                        server: try TLSSession(Self.serverContext(authorizing: [Self.clientKey.publicKey])), chunk: chunk)
        #expect(try wire.client.handshake() == false)
        try wire.run()
        #expect(wire.client.isEstablished && wire.server.isEstablished)
        #expect(wire.client.peerKey == Self.serverKey.publicKey)
        #expect(wire.server.peerKey == Self.clientKey.publicKey)
        #expect(!wire.client.usedPreSharedKey)
        #expect(wire.client.parameters.hasPrefix("TLSv1.3 "))
        #expect(wire.client.keyExchangeGroup != nil)

        var generator = SystemRandomNumberGenerator()
        let toServer = (0..<(chunk == Int.max ? 1_048_576 + 13 : 40_000)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let toClient = Array("the answer\n".utf8)
        try write(wire.client, toServer)
        try write(wire.server, toClient)
        var clientReceived: [UInt8] = [], serverReceived: [UInt8] = []
        try wire.run(clientReceived: &clientReceived, serverReceived: &serverReceived)
        #expect(serverReceived == toServer)
        #expect(clientReceived == toClient)
        // Nothing of the plaintext crosses in clear.
        #expect(wire.clientToServer.firstRange(of: toServer.prefix(32)) == nil)
        #expect(wire.serverToClient.firstRange(of: toClient) == nil)

        // close_notify: the reader learns that the stream ended where it did.
        wire.client.close()
        try wire.run()
        var buffer = [UInt8](repeating: 0, count: 100)
        #expect(try buffer.withUnsafeMutableBytes { try wire.server.read(into: $0) } == .closed)
    }

    @Test("the client holds its last flight until it has looked at the server's key")
    func clientFinishedIsHeld() throws {
        let client = try TLSSession(Self.clientContext())
        let server = try TLSSession(Self.serverContext(authorizing: [Self.clientKey.publicKey]))
        _ = try client.handshake()
        func move(_ from: TLSSession, _ to: TLSSession) {
            let bytes = from.withOutbound { Array($0) }
            from.consumeOutbound(bytes.count)
            bytes.withUnsafeBytes { to.receive($0) }
        }
        move(client, server)
        #expect(try server.handshake() == false)
        move(server, client)
        #expect(try client.handshake() == true)
        #expect(client.peerKey == Self.serverKey.publicKey)
        // The certificate, CertificateVerify and Finished wait to be sent; the server is not done.
        #expect(client.outboundByteCount > 0)
        #expect(!server.isEstablished)
        move(client, server)
        #expect(try server.handshake() == true)
    }

    @Test("a server refuses a key it does not authorize: bad_certificate, and it names the key")
    func unauthorizedKey() throws {
        var wire = Wire(client: try TLSSession(Self.clientContext()),
                        server: try TLSSession(Self.serverContext(authorizing: [Self.serverKey.publicKey])))
        _ = try wire.client.handshake()
        let error = try #require(throws: TLSError.self) { try wire.run() }
        #expect(error.kind == .peerKeyRefused)
        #expect(wire.server.presentedPeerKey == Self.clientKey.publicKey)
        #expect(!wire.server.isEstablished)
        // The client then reads the server's alert.
        let clientError = clientErrorAfterAlert(wire)
        #expect(clientError?.kind == .peerRefusedOurKey)
    }

    @Test("a client with no key, to a server that requires one: certificate_required")
    func missingKey() throws {
        var wire = Wire(client: try TLSSession(Self.clientContext(identity: nil)),
                        server: try TLSSession(Self.serverContext(authorizing: [Self.clientKey.publicKey])))
        _ = try wire.client.handshake()
        #expect(throws: TLSError.self) { try wire.run() }
        let clientError = clientErrorAfterAlert(wire)
        #expect(clientError?.kind == .peerRequiresKey)
    }

    @Test("a pre-shared key: no certificates, an (EC)DHE exchange all the same (forward secrecy)")
    func preSharedKey() throws {
        var wire = Wire(client: try TLSSession(Self.clientContext(identity: nil, psk: Self.psk)),
                        server: try TLSSession(Self.serverContext(authorizing: [], psk: Self.psk)))
        _ = try wire.client.handshake()
        try wire.run()
        #expect(wire.client.isEstablished && wire.server.isEstablished)
        #expect(wire.client.usedPreSharedKey && wire.server.usedPreSharedKey)
        #expect(wire.client.peerKey == nil && wire.server.peerKey == nil)
        #expect(wire.server.keyExchangeGroup == "X25519")
        #expect(wire.server.cipherSuite == "TLS_AES_128_GCM_SHA256")
        try write(wire.client, Array("ls\n".utf8))
        var clientReceived: [UInt8] = [], serverReceived: [UInt8] = []
        try wire.run(clientReceived: &clientReceived, serverReceived: &serverReceived)
        #expect(serverReceived == Array("ls\n".utf8))
    }

    @Test("different pre-shared keys fail the handshake")
    func wrongPreSharedKey() throws {
        var wire = Wire(client: try TLSSession(Self.clientContext(identity: nil, psk: Array("a different key, just as long!!!".utf8))),
                        server: try TLSSession(Self.serverContext(authorizing: [], psk: Self.psk)))
        _ = try wire.client.handshake()
        let error = try #require(throws: TLSError.self) { try wire.run() }
        #expect(error.kind == .preSharedKeyMismatch)
        #expect(!wire.server.isEstablished)
    }

    @Test("one flipped bit in a record after the handshake: the reader fails, and returns none of it")
    func flippedBit() throws {
        let client = try TLSSession(Self.clientContext())
        let server = try TLSSession(Self.serverContext(authorizing: [Self.clientKey.publicKey]))
        var wire = Wire(client: client, server: server)
        _ = try client.handshake()
        try wire.run()
        try write(client, Array("touch /tmp/x".utf8))
        var record = client.withOutbound { Array($0) }
        client.consumeOutbound(record.count)
        record[record.count - 3] ^= 0x10
        record.withUnsafeBytes { server.receive($0) }
        var buffer = [UInt8](repeating: 0, count: 100)
        let error = try #require(throws: TLSError.self) { try buffer.withUnsafeMutableBytes { try server.read(into: $0) } }
        #expect(error.kind == .integrity)
    }

    @Test("random bytes after a first byte of 0x16: an error (and perhaps an alert), never a crash")
    func garbage() throws {
        let context = try Self.serverContext()
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let server = try TLSSession(context)
            let bytes = [0x16] + (0..<Int.random(in: 0...2000, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            bytes.withUnsafeBytes { server.receive($0) }
            var buffer = [UInt8](repeating: 0, count: 100)
            do {
                let result = try buffer.withUnsafeMutableBytes { try server.read(into: $0) }
                #expect(result == .needsInput)  // too short to judge yet
            } catch {
                #expect(!server.isEstablished)
            }
        }
    }

    @Test("bytes that are not TLS at all are told apart")
    func notTLS() throws {
        let client = try TLSSession(Self.clientContext())
        _ = try client.handshake()
        let reply = [UInt8]([0x04, 0, 0, 0]) + Array(#"{"type":"error","code":"busy","total_size":0}"#.utf8)
        reply.withUnsafeBytes { client.receive($0) }
        let error = try #require(throws: TLSError.self) { try client.handshake() }
        #expect(error.kind == .notTLS)
    }
}
