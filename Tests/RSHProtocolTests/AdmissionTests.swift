import RSHProtocol
import Testing

private func starts(_ actions: [ServerSession.Action]) -> Int {
    actions.count { if case .start = $0 { true } else { false } }
}

/// Who gets in, over what, decided without a socket: the first byte names
/// the transport, the policy gives the terms, the session carries them out.
@Suite("Admission: transport, policy and refusals (sans-IO)")
struct AdmissionTests {
    static let authenticating = AdmissionPolicy(authenticatesClients: true)
    static let local = AdmissionPolicy(authenticatesClients: false)

    @Test("the first byte names the transport: 0x16 is TLS, anything else is in clear", arguments: Array(0...255) as [Int])
    func transport(_ byte: Int) {
        #expect(Transport(firstByte: UInt8(byte)) == (byte == 0x16 ? .tls : .plain))
    }

    @Test("a server that authenticates clients: TLS only; its hello names how the client was authenticated")
    func authenticatingServer() {
        let plain = Self.authenticating.admission(over: .plain, peer: .unchecked, authenticated: .none)
        #expect(plain.refusal?.code == .tlsRequired)
        let key = Self.authenticating.admission(over: .tls, peer: .unchecked, authenticated: .publicKey)
        #expect(key.refusal == nil && key.clientAuthentication == .publicKey && !key.acceptsClassic)
        let psk = Self.authenticating.admission(over: .tls, peer: .unchecked, authenticated: .preSharedKey)
        #expect(psk.refusal == nil && psk.clientAuthentication == .preSharedKey)
    }

    @Test("a server that does not: TLS, v1 and classic, from its own user and root only")
    func localServer() {
        for transport in [Transport.plain, .tls] {
            let owner = Self.local.admission(over: transport, peer: .owner, authenticated: .none)
            #expect(owner.refusal == nil && owner.clientAuthentication == .none)
            #expect(owner.acceptsClassic == (transport == .plain))
            for uid: UInt32? in [65534, nil] {
                #expect(Self.local.admission(over: transport, peer: .stranger(uid: uid), authenticated: .none).refusal?.code == .forbidden)
            }
        }
        // Beyond loopback with --allow-unauthenticated the kernel cannot say who the peer is: nobody is asked.
        #expect(Self.local.admission(over: .plain, peer: .unchecked, authenticated: .none).refusal == nil)
        // A Unix socket's stranger is refused even by a server that authenticates clients.
        #expect(Self.authenticating.admission(over: .tls, peer: .stranger(uid: 7), authenticated: .publicKey).refusal?.code == .forbidden)
    }

    @Test("a refused v1 client gets the error frame at its first byte, then the close; nothing starts",
          arguments: [ErrorCode.tlsRequired, .forbidden])
    func refusedV1(_ code: ErrorCode) {
        var session = ServerSession(configuration())
        session.admit(Admission(clientAuthentication: .none, refusal: ProtocolError(code, "no"), acceptsClassic: true))
        let actions = session.receive([0x00])
        #expect(frames(in: actions).map { $0["code"]?.stringValue } == [code.rawValue])
        #expect(actions.last == .close)
        #expect(session.phase == .closed)
        // Whatever follows is not read.
        #expect(starts(session.receive(Array(Limits.preface.dropFirst()) + ClientMessage.hello(version: 1, client: nil).encoded
                                      + ClientMessage.exec(ExecRequest(id: 1, command: .shell("touch x"))).encoded)) == 0)
    }

    @Test("a refused classic client gets a classic reply with exit code 255 and the reason; nothing starts")
    func refusedClassic() {
        var session = ServerSession(configuration())
        session.admit(Admission(clientAuthentication: .none, refusal: ProtocolError(.forbidden, "not for you"), acceptsClassic: true))
        let actions = session.receive(Array("touch /tmp/x".utf8))
        let reply = frames(in: actions)
        #expect(reply.count == 1)
        #expect(reply.first?["exit_code"] == 255)
        #expect(reply.first.map { String(decoding: $0.body, as: UTF8.self) } == "rshd: not for you\n")
        #expect(starts(actions) == 0)
        #expect(actions.last == .close)
    }

    @Test("inside TLS a classic command is refused: classic exists in clear only")
    func classicInsideTLS() {
        var session = ServerSession(configuration())
        session.admit(Self.local.admission(over: .tls, peer: .owner, authenticated: .none))
        let actions = session.receive(Array("ls".utf8))
        #expect(frames(in: actions).first?["exit_code"] == 255)
        #expect(starts(actions) == 0)
    }

    @Test("the hello's auth is the admission's", arguments: [ClientAuthentication.publicKey, .preSharedKey, .none])
    func helloAuth(_ authentication: ClientAuthentication) {
        var session = ServerSession(configuration())
        session.admit(Self.authenticating.admission(over: .tls, peer: .unchecked, authenticated: authentication))
        let hello = frames(in: session.receive(Limits.preface + ClientMessage.hello(version: 1, client: nil).encoded))
        #expect(hello.first?["auth"]?.stringValue == authentication.rawValue)
        #expect(session.phase == .ready)
    }
}
