import RSHProtocol
import Testing

/// A client session after the server's hello.
private func readyClient() -> ClientSession {
    var client = ClientSession(clientName: "test")
    _ = client.receive(ServerMessage.hello(ServerHello(server: "s", mode: "m")).encoded)
    return client
}

/// Everything the client has queued, written `chunk` bytes at a time, as the server decodes it.
private func drain(_ client: inout ClientSession, chunk: Int = .max) -> [ClientMessage] {
    var wire: [UInt8] = []
    while client.hasBytesToSend {
        let bytes = client.bytesToSend().prefix(chunk)
        wire += bytes
        client.sent(bytes.count)
    }
    var decoder = FrameDecoder()
    decoder.feed(wire)
    var messages: [ClientMessage] = []
    while let frame = try? decoder.next(), let message = try? ClientMessage(frame) { messages.append(message) }
    return messages
}

@Suite("Client session: send order")
struct ClientSendOrderTests {
    @Test("control messages overtake queued stdin, but a frame already begun is finished first")
    func signalOvertakesStdin() {
        var client = readyClient()
        let first = [UInt8](repeating: 1, count: 1000)
        let second = [UInt8](repeating: 2, count: 1000)
        client.queue(.stdin(id: 1, data: first))
        client.queue(.stdin(id: 1, data: second))
        client.queue(.eof(id: 1))
        // Ten bytes of the first stdin frame are out: it must finish before anything else.
        let begun = client.bytesToSend()
        var wire = Array(begun.prefix(10))
        client.sent(10)
        client.queue(.signal(id: 1, .INT))
        client.queue(.ping)
        while client.hasBytesToSend {
            let bytes = client.bytesToSend()
            wire += bytes
            client.sent(bytes.count)
        }
        var decoder = FrameDecoder()
        decoder.feed(wire)
        var messages: [ClientMessage] = []
        while let frame = try? decoder.next(), let message = try? ClientMessage(frame) { messages.append(message) }
        #expect(messages == [.stdin(id: 1, data: first), .signal(id: 1, .INT), .ping, .stdin(id: 1, data: second), .eof(id: 1)])
    }

    @Test("the same messages come out whatever the socket takes at a time")
    func partialWrites() {
        let messages = (0..<5).map { ClientMessage.stdin(id: 1, data: [UInt8](repeating: UInt8($0), count: 300)) }
            + [.signal(id: 1, .TERM), .eof(id: 1)]
        var whole = readyClient()
        var trickled = readyClient()
        for message in messages {
            whole.queue(message)
            trickled.queue(message)
        }
        let sent = drain(&whole)
        #expect(sent.first == .signal(id: 1, .TERM))
        #expect(drain(&trickled, chunk: 7) == sent)
    }
}
