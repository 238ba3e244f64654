import RSHCrypto
import RSHProtocol
import Testing

private let key = Array("a key of at least sixteen bytes!".utf8)
private let challenge = [UInt8](repeating: 7, count: 32)
private let nonce = [UInt8](repeating: 9, count: 32)

private func authentication(_ key: [UInt8]) -> KeyedAuthentication {
    KeyedAuthentication(key: key, makeAuthenticator: HMACSHA256.factory)
}

private func server(_ key: [UInt8] = key) -> ServerSession {
    ServerSession(.init(serverName: "rshd/test", mode: "test", authentication: authentication(key)), challenge: challenge)
}

/// Sends bytes to the server; returns its actions and what it sent.
private func deliver(_ bytes: [UInt8], to server: inout ServerSession) -> (actions: [ServerSession.Action], sent: [UInt8]) {
    let actions = server.receive(bytes)
    var sent: [UInt8] = []
    for case .send(let reply) in actions { sent += reply }
    return (actions, sent)
}

private func started(_ actions: [ServerSession.Action]) -> [Int64] {
    actions.compactMap { if case .start(let request) = $0 { return request.id } else { return nil } }
}

private func fatalCode(_ events: [ClientSession.Event]) -> ErrorCode? {
    for case .failed(let error) in events { return error.code }
    return nil
}

/// A client and a server session wired back to back, up to `ready`.
private func handshake(clientKey: [UInt8] = key, serverKey: [UInt8] = key)
    -> (client: ClientSession, server: ServerSession, events: [ClientSession.Event], serverActions: [ServerSession.Action]) {
    var client = ClientSession(clientName: "rsh/test", authentication: authentication(clientKey), nonce: nonce)
    var server = server(serverKey)
    var (actions, toClient) = deliver(client.openingBytes, to: &server)
    var events = client.receive(toClient)
    var allActions = actions
    for case .send(let answer) in events {
        (actions, toClient) = deliver(answer, to: &server)
        allActions += actions
        events += client.receive(toClient)
    }
    return (client, server, events, allActions)
}

@Suite("Authentication and frame integrity (sans-IO)")
struct AuthenticationTests {
    @Test("messages the client's send queue reorders are sealed in the order they are written, so the server accepts them")
    func reorderedFramesAreSealedInWireOrder() {
        var (client, server, _, _) = handshake()
        let request = ExecRequest(id: 1, command: .shell("cat"), wantsStdin: true)
        let data = [UInt8](repeating: 7, count: 100)
        client.queue(.exec(request))
        client.queue(.stdin(id: 1, data: data))
        client.queue(.stdin(id: 1, data: data))
        client.queue(.signal(id: 1, .interrupt))
        var wire: [UInt8] = []
        while client.hasBytesToSend {
            let bytes = client.bytesToSend()
            wire += bytes
            client.sent(bytes.count)
        }
        #expect(server.receive(wire) == [.start(request), .signal(id: 1, .interrupt), .writeStdin(id: 1, data), .writeStdin(id: 1, data)])
    }

    @Test("client and server with the same key reach ready; commands then run")
    func handshakeSucceeds() {
        var (client, server, events, _) = handshake()
        #expect(events.contains { if case .ready = $0 { true } else { false } })
        #expect(client.phase == .ready)
        #expect(server.phase == .ready)
        var exec: [UInt8] = []
        client.encode(.exec(ExecRequest(id: 1, command: .shell("true"))), into: &exec)
        #expect(started(server.receive(exec)) == [1])
        var output: [UInt8] = []
        [UInt8]("out".utf8).withUnsafeBytes { _ = server.output(id: 1, .stdout, $0, into: &output) }
        for case .send(let bytes) in server.finished(id: 1, CommandOutcome(status: .exited(0), timedOut: false, duration: .milliseconds(1))) {
            output += bytes
        }
        let replies = client.receive(output)
        #expect(replies == [.output(id: 1, .stdout, Array("out".utf8)),
                            .exited(ExitReport(id: 1, CommandOutcome(status: .exited(0), timedOut: false, duration: .milliseconds(1))))])
    }

    @Test("a wrong key is refused with auth_failed, and nothing starts")
    func wrongKey() {
        let (_, server, events, actions) = handshake(clientKey: Array("another key, also long enough".utf8))
        #expect(server.phase == .closed)
        #expect(actions.contains(.close))
        #expect(started(actions).isEmpty)
        #expect(actions.contains { if case .warning = $0 { true } else { false } })
        #expect(fatalCode(events) == .authFailed)
    }

    @Test("a command before auth is refused with auth_required")
    func execBeforeAuth() {
        var server = server()
        let hello = Limits.preface + ClientMessage.hello(version: 1, client: nil).encoded
        let (actions, _) = deliver(hello + ClientMessage.exec(ExecRequest(id: 1, command: .shell("true"))).encoded, to: &server)
        #expect(started(actions).isEmpty)
        #expect(server.phase == .closed)
        let codes = actions.compactMap { action -> String? in
            guard case .send(let bytes) = action else { return nil }
            var decoder = FrameDecoder()
            decoder.feed(bytes)
            return (try? decoder.next())?["code"]?.stringValue
        }
        #expect(codes == ["auth_required"])
    }

    @Test("a client without a key, and a keyed client facing a server without one, both refuse")
    func mismatchedConfigurations() {
        var keyless = ClientSession(clientName: "t")
        var keyedServer = server()
        #expect(fatalCode(keyless.receive(deliver(keyless.openingBytes, to: &keyedServer).sent)) == .authRequired)
        var keyed = ClientSession(clientName: "t", authentication: authentication(key), nonce: nonce)
        var plainServer = ServerSession(.init(serverName: "s", mode: "m"))
        #expect(fatalCode(keyed.receive(deliver(keyed.openingBytes, to: &plainServer).sent)) == .authFailed)
    }

    @Test("a server that cannot prove the key is refused by the client")
    func impostorServer() {
        var client = ClientSession(clientName: "t", authentication: authentication(key), nonce: nonce)
        _ = client.receive(ServerMessage.hello(ServerHello(server: "evil", mode: "m", auth: Handshake.method, challenge: challenge)).encoded)
        let events = client.receive(ServerMessage.authOK(proof: [UInt8](repeating: 0, count: 32)).encoded)
        #expect(fatalCode(events) == .authFailed)
    }

    @Test("after auth, an altered, replayed or reordered frame ends the connection; nothing starts")
    func integrity() {
        let attacks: [(String, (inout ClientSession) -> [UInt8])] = [
            ("a flipped bit in the body's command", { client in
                var bytes: [UInt8] = []
                client.encode(.exec(ExecRequest(id: 1, command: .shell("touch /tmp/x"))), into: &bytes)
                let index = bytes.firstIndex(of: UInt8(ascii: "x"))!
                bytes[index] ^= 0x01
                return bytes
            }),
            ("a flipped bit in the trailer", { client in
                var bytes: [UInt8] = []
                client.encode(.exec(ExecRequest(id: 1, command: .shell("true"))), into: &bytes)
                bytes[bytes.count - 3] ^= 0x80
                return bytes
            }),
            ("a replayed frame", { client in
                var first: [UInt8] = []
                client.encode(.ping, into: &first)
                return first + first
            }),
            ("two frames swapped", { client in
                var first: [UInt8] = [], second: [UInt8] = []
                client.encode(.ping, into: &first)
                client.encode(.exec(ExecRequest(id: 1, command: .shell("true"))), into: &second)
                return second + first
            }),
        ]
        for (name, attack) in attacks {
            var (client, server, _, _) = handshake()
            let (actions, sent) = deliver(attack(&client), to: &server)
            #expect(started(actions).isEmpty, "\(name)")
            #expect(server.phase == .closed, "\(name)")
            #expect(fatalCode(client.receive(sent)) == .integrityFailed, "\(name)")
        }
    }

    @Test("a flipped bit that breaks the header ends the connection too (bad_frame, before the trailer is read)")
    func corruptedHeader() {
        var (client, server, _, _) = handshake()
        var bytes: [UInt8] = []
        client.encode(.exec(ExecRequest(id: 1, command: .shell("true"))), into: &bytes)
        bytes[6] ^= 0x40  // inside "type": the JSON no longer parses
        let (actions, sent) = deliver(bytes, to: &server)
        #expect(started(actions).isEmpty)
        #expect(server.phase == .closed)
        #expect([ErrorCode.badFrame, .integrityFailed].contains(fatalCode(client.receive(sent))))
    }

    @Test("an unsealed frame waits for a trailer that never checks out")
    func unsealed() {
        var (_, server, _, _) = handshake()
        let plain = ClientMessage.exec(ExecRequest(id: 1, command: .shell("true"))).encoded
        #expect(server.receive(plain).isEmpty, "not acted on: its trailer has not arrived")
        let (actions, _) = deliver([UInt8](repeating: 0, count: 32), to: &server)
        #expect(started(actions).isEmpty)
        #expect(server.phase == .closed)
    }

    @Test("a truncated trailer is never acted on")
    func truncatedTrailer() {
        var (client, server, _, _) = handshake()
        var bytes: [UInt8] = []
        client.encode(.exec(ExecRequest(id: 1, command: .shell("true"))), into: &bytes)
        #expect(server.receive(Array(bytes.dropLast(1))).isEmpty)
        #expect(server.phase == .ready)
        #expect(started(server.receive(Array(bytes.suffix(1)))) == [1], "the last byte completes it")
    }

    @Test("before auth, frames larger than 1 KiB are refused")
    func unauthenticatedLimit() {
        var server = server()
        let big = FrameEncoder.encode(type: "hello", [("version", 1), ("pad", .string(String(repeating: "x", count: 1100)))])
        let (actions, _) = deliver(Limits.preface + big, to: &server)
        #expect(server.phase == .closed)
        #expect(actions.contains(.close))
    }

    @Test("a server with a key refuses classic connections")
    func classicRefused() {
        var server = server()
        let actions = server.receive(Array("ls".utf8))
        #expect(actions.last == .close)
        #expect(started(actions).isEmpty)
    }
}
