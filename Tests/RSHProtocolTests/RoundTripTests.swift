import RSHProtocol
import Testing

/// Random messages of every kind: encode, decode, compare.
struct MessageGenerator {
    var random: SeededGenerator

    mutating func text() -> String {
        let alphabet: [Unicode.Scalar] = ["a", "Z", " ", "\"", "\\", "\n", "\t", "\u{1}", "é", "你", "😀", "$", "'", "/"]
        let count = Int.random(in: 0...20, using: &random)
        return String(String.UnicodeScalarView((0..<count).map { _ in alphabet.randomElement(using: &random)! }))
    }

    mutating func bytes() -> [UInt8] {
        (0..<Int.random(in: 0...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
    }

    mutating func id() -> Int64 { Int64.random(in: Int64.min...Int64.max, using: &random) }

    mutating func windowSize() -> WindowSize {
        WindowSize(rows: UInt16.random(in: 0...UInt16.max, using: &random), columns: UInt16.random(in: 0...UInt16.max, using: &random),
                   pixelWidth: Bool.random(using: &random) ? UInt16.random(in: 0...UInt16.max, using: &random) : 0,
                   pixelHeight: Bool.random(using: &random) ? UInt16.random(in: 0...UInt16.max, using: &random) : 0)
    }

    mutating func clientMessage() -> ClientMessage {
        switch Int.random(in: 0..<7, using: &random) {
        case 0: return .hello(version: id(), client: Bool.random(using: &random) ? text() : nil)
        case 1:
            let command: ExecRequest.Command
            switch Int.random(in: 0..<3, using: &random) {
            case 0: command = .shell(text())
            case 1: command = .argv(["p" + text()] + (0..<Int.random(in: 0...4, using: &random)).map { _ in text() })
            default: command = .loginShell
            }
            var environment: [String: String] = [:]
            for _ in 0..<Int.random(in: 0...3, using: &random) { environment["K" + text().replacingEquals()] = text() }
            return .exec(ExecRequest(id: id(), command: command, environment: environment,
                                     workingDirectory: Bool.random(using: &random) ? "/" + text() : nil,
                                     timeoutMilliseconds: Bool.random(using: &random) ? Int64.random(in: 1...Int64.max, using: &random) : nil,
                                     wantsStdin: Bool.random(using: &random),
                                     terminal: Bool.random(using: &random) ? TerminalRequest(term: text(), size: windowSize()) : nil))
        case 2: return .stdin(id: id(), data: bytes())
        case 5: return .resize(id: id(), windowSize())
        case 3: return .eof(id: id())
        case 4: return .signal(id: id(), Signal.requestable.randomElement(using: &random)!)
        default: return .ping
        }
    }

    mutating func serverMessage() -> ServerMessage {
        switch Int.random(in: 0..<5, using: &random) {
        case 0: return .hello(ServerHello(server: text(), mode: text()))
        case 1: return .output(id: id(), Bool.random(using: &random) ? .stdout : .stderr, bytes())
        case 2:
            let signaled = Bool.random(using: &random)
            let status: RSHProtocol.ExitStatus = signaled ? .signaled(Signal(rawValue: Int32.random(in: 1...64, using: &random)))
                : .exited(Int32.random(in: 0...255, using: &random))
            return .exit(ExitReport(id: id(), CommandOutcome(status: status, timedOut: Bool.random(using: &random),
                                                             duration: .milliseconds(Int64.random(in: 0...1_000_000, using: &random)))))
        case 3: return .error(ProtocolError(ErrorCode.allCases.randomElement(using: &random)!, text(),
                                            id: Bool.random(using: &random) ? id() : nil))
        default: return .pong
        }
    }
}

private extension String {
    func replacingEquals() -> String { String(map { $0 == "=" ? "_" : $0 }) }
}

@Suite("Encode/decode round trip")
struct RoundTripTests {
    @Test("client messages survive encoding and decoding, in one stream")
    func clientMessages() throws {
        var generator = MessageGenerator(random: SeededGenerator(seed: 7))
        let messages = (0..<2_000).map { _ in generator.clientMessage() }
        var decoder = FrameDecoder()
        let frames = try decodeAll(messages.flatMap(\.encoded), decoder: &decoder)
        #expect(try frames.map { try ClientMessage($0) } == messages)
    }

    @Test("server messages survive encoding and decoding, in one stream")
    func serverMessages() throws {
        var generator = MessageGenerator(random: SeededGenerator(seed: 8))
        let messages = (0..<2_000).map { _ in generator.serverMessage() }
        var decoder = FrameDecoder()
        let frames = try decodeAll(messages.flatMap(\.encoded), decoder: &decoder)
        #expect(try frames.map { try ServerMessage($0) } == messages)
    }
}

@Suite("Client session")
struct ClientSessionTests {
    @Test("opens with the preface and hello, then reports the server's frames")
    func flow() {
        var session = ClientSession(clientName: "rsh/test")
        #expect(Array(session.openingBytes.prefix(4)) == Limits.preface)
        let stream = ServerMessage.hello(ServerHello(server: "rshd", mode: "blocking")).encoded
            + ServerMessage.output(id: 1, .stdout, [1, 2]).encoded
            + ServerMessage.error(ProtocolError(.badCwd, "no", id: 1)).encoded
            + ServerMessage.exit(ExitReport(id: 2, CommandOutcome(status: .exited(0), timedOut: false, duration: .milliseconds(1)))).encoded
        let events = session.receive(stream)
        #expect(events == [.ready(ServerHello(server: "rshd", mode: "blocking")), .output(id: 1, .stdout, [1, 2]),
                           .rejected(ProtocolError(.badCwd, "no", id: 1)),
                           .exited(ExitReport(id: 2, CommandOutcome(status: .exited(0), timedOut: false, duration: .milliseconds(1))))])
    }

    @Test("a server that skips hello, or sends garbage, fails the session")
    func failures() {
        var skipped = ClientSession(clientName: "t")
        #expect(skipped.receive(ServerMessage.pong.encoded).first.map { if case .failed = $0 { true } else { false } } == true)
        var garbage = ClientSession(clientName: "t")
        guard case .failed(let error)? = garbage.receive([0, 0, 0, 0]).first else { Issue.record("accepted garbage"); return }
        #expect(error.code == .badFrame)
        #expect(garbage.receive(ServerMessage.pong.encoded).isEmpty)
    }
}
