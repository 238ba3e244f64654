import RSHProtocol
import Testing

private let windowedHello = Limits.preface + ClientMessage.hello(version: 1, client: "test", stdinWindow: true).encoded
private let plainHello = Limits.preface + ClientMessage.hello(version: 1, client: "test").encoded

private func server(window: Int? = 8) -> ServerSession {
    var configuration = configuration()
    configuration.stdinWindow = window
    return ServerSession(configuration)
}

private func stdin(_ id: Int64, _ count: Int) -> [UInt8] {
    ClientMessage.stdin(id: id, data: [UInt8](repeating: 0x61, count: count)).encoded
}

private let catWithStdin = ClientMessage.exec(ExecRequest(id: 1, command: .shell("cat"), wantsStdin: true)).encoded

@Suite("Stdin window: server session")
struct ServerStdinWindowTests {
    @Test("the hello gives a window only to a client that asks for one, when the server offers one")
    func handshake() throws {
        var asked = server()
        let hello = try #require(frames(in: asked.receive(windowedHello)).first)
        #expect(hello["stdin_window"] == 8)
        #expect(asked.stdinWindow == 8)

        var plain = server()
        #expect(try #require(frames(in: plain.receive(plainHello)).first)["stdin_window"] == nil)
        #expect(plain.stdinWindow == nil)

        var declining = server(window: nil)
        #expect(try #require(frames(in: declining.receive(windowedHello)).first)["stdin_window"] == nil)
        #expect(declining.stdinWindow == nil)
    }

    @Test("stdin the command takes is acknowledged in batches of half the window, which makes room for more")
    func acknowledgements() throws {
        var session = server()
        _ = session.receive(windowedHello + catWithStdin)
        #expect(session.receive(stdin(1, 8)) == [.writeStdin(id: 1, [UInt8](repeating: 0x61, count: 8))])
        #expect(session.stdinTaken(id: 1, count: 3).isEmpty)
        let ack = try #require(frames(in: session.stdinTaken(id: 1, count: 1)).first)
        #expect(ack.type == "stdin_ack")
        #expect(ack["id"] == 1)
        #expect(ack["bytes"] == 4)
        // 4 bytes are unacknowledged: 4 more fit, a fifth does not.
        #expect(session.receive(stdin(1, 4)).count == 1)
        let refused = session.receive(stdin(1, 1))
        let error = try #require(frames(in: refused).first)
        #expect(error["code"] == "stdin_window_exceeded")
        #expect(error["id"] == nil, "fatal: the connection ends")
        #expect(refused.suffix(2) == [.close, .terminate(id: 1)])
    }

    @Test("no acknowledgements without a window, nor after eof")
    func quiet() {
        var plain = server()
        _ = plain.receive(plainHello + catWithStdin + stdin(1, 100))
        #expect(plain.stdinTaken(id: 1, count: 100).isEmpty)

        var ended = server()
        _ = ended.receive(windowedHello + catWithStdin + stdin(1, 8) + ClientMessage.eof(id: 1).encoded)
        #expect(ended.stdinTaken(id: 1, count: 8).isEmpty)
        #expect(ended.stdinTaken(id: 99, count: 8).isEmpty)
    }
}
