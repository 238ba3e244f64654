import RSHProtocol
import Testing

/// A client session after the server's hello, with a window of `window` bytes (none for nil).
private func readyClient(window: Int64? = 8) -> ClientSession {
    var client = ClientSession(clientName: "test")
    _ = client.receive(ServerMessage.hello(ServerHello(server: "s", mode: "m", stdinWindow: window)).encoded)
    return client
}

/// Everything the client has queued, written `chunk` bytes at a time.
private func written(_ client: inout ClientSession, chunk: Int = .max) -> [UInt8] {
    var wire: [UInt8] = []
    while client.hasBytesToSend {
        let bytes = client.bytesToSend().prefix(chunk)
        wire += bytes
        client.sent(bytes.count)
    }
    return wire
}

/// The messages in `wire`, as the server decodes them.
private func messages(in wire: [UInt8]) -> [ClientMessage] {
    var decoder = FrameDecoder()
    decoder.feed(wire)
    var messages: [ClientMessage] = []
    while let frame = try? decoder.next(), let message = try? ClientMessage(frame) { messages.append(message) }
    return messages
}

@Suite("Client session: send order and stdin window")
struct ClientSendOrderTests {
    @Test("control messages overtake queued stdin, but a frame already begun is finished first")
    func signalOvertakesStdin() {
        var client = readyClient(window: nil)
        let first = [UInt8](repeating: 1, count: 1000)
        let second = [UInt8](repeating: 2, count: 1000)
        client.queue(.stdin(id: 1, data: first))
        client.queue(.stdin(id: 1, data: second))
        client.queue(.eof(id: 1))
        // Ten bytes of the first stdin frame are out: it must finish before anything else.
        let begun = Array(client.bytesToSend().prefix(10))
        client.sent(10)
        client.queue(.signal(id: 1, .interrupt))
        client.queue(.ping)
        #expect(messages(in: begun + written(&client))
                == [.stdin(id: 1, data: first), .signal(id: 1, .interrupt), .ping, .stdin(id: 1, data: second), .eof(id: 1)])
    }

    @Test("the same messages come out whatever the socket takes at a time")
    func partialWrites() {
        let queued = (0..<5).map { ClientMessage.stdin(id: 1, data: [UInt8](repeating: UInt8($0), count: 300)) }
            + [.signal(id: 1, .terminate), .eof(id: 1)]
        var whole = readyClient(window: nil)
        var trickled = readyClient(window: nil)
        for message in queued {
            whole.queue(message)
            trickled.queue(message)
        }
        let sent = messages(in: written(&whole))
        #expect(sent.first == .signal(id: 1, .terminate))
        #expect(messages(in: written(&trickled, chunk: 7)) == sent)
    }

    @Test("the window: no room before the hello; room shrinks as stdin is queued and grows with stdin_ack")
    func window() {
        var client = ClientSession(clientName: "test")
        #expect(client.stdinRoom(for: 1) == 0)
        _ = client.receive(ServerMessage.hello(ServerHello(server: "s", mode: "m", stdinWindow: 8)).encoded)
        #expect(client.stdinWindow == 8)
        #expect(client.stdinRoom(for: 1) == 8)
        client.queue(.stdin(id: 1, data: [1, 2, 3, 4, 5]))
        #expect(client.stdinRoom(for: 1) == 3)
        #expect(client.stdinRoom(for: 2) == 8, "each command has its own window")
        #expect(client.receive(ServerMessage.stdinAck(id: 1, bytes: 4).encoded).isEmpty)
        #expect(client.stdinRoom(for: 1) == 7)
        _ = client.receive(ServerMessage.exit(ExitReport(id: 1, CommandOutcome(status: .exited(0), timedOut: false, duration: .milliseconds(1)))).encoded)
        #expect(client.stdinRoom(for: 1) == 8, "an id is free again once its command has ended")
    }

    @Test("without a window from the server there is no limit")
    func noWindow() {
        let client = readyClient(window: nil)
        #expect(client.stdinWindow == nil)
        #expect(client.stdinRoom(for: 1) == nil)
    }

    @Test("a server that acknowledges stdin it was not sent, or without a window, breaks the protocol",
          arguments: [8, nil] as [Int64?])
    func badAcknowledgement(_ window: Int64?) {
        var client = readyClient(window: window)
        if window != nil { client.queue(.stdin(id: 1, data: [1, 2])) }
        let events = client.receive(ServerMessage.stdinAck(id: 1, bytes: 3).encoded)
        #expect(events.count == 1)
        #expect(events.first.map { if case .failed = $0 { true } else { false } } == true)
    }
}
