import RSHProtocol
import Testing

private let handshake = Limits.preface + ClientMessage.hello(version: 1, client: "test").encoded

private func readySession(maxExecs: Int = 16) -> ServerSession {
    var session = ServerSession(configuration(maxExecs: maxExecs))
    _ = session.receive(handshake)
    return session
}

/// The frames a session's `.send` actions carry, decoded.
func frames(in actions: [ServerSession.Action]) -> [Frame] {
    var decoder = FrameDecoder(.init(maxBodySize: 1 << 30, requiresType: false))
    for case .send(let bytes) in actions { decoder.feed(bytes) }
    var result: [Frame] = []
    while let frame = try? decoder.next() { result.append(frame) }
    return result
}

private func exec(_ id: Int64, _ command: String, stdin: Bool = false) -> [UInt8] {
    ClientMessage.exec(ExecRequest(id: id, command: .shell(command), wantsStdin: stdin)).encoded
}

private let exitedZero = CommandOutcome(status: .exited(0), timedOut: false, duration: .milliseconds(5))

@Suite("Server session")
struct ServerSessionTests {
    @Test("output becomes stdout/stderr frames, and the exit frame comes last")
    func outputThenExit() throws {
        var session = readySession()
        _ = session.receive(exec(1, "x"))
        var output: [UInt8] = []
        [UInt8]("out".utf8).withUnsafeBytes { _ = session.output(id: 1, .stdout, $0, into: &output) }
        [UInt8]("err".utf8).withUnsafeBytes { _ = session.output(id: 1, .stderr, $0, into: &output) }
        let actions = session.finished(id: 1, CommandOutcome(status: .signaled(Signal(name: "TERM")!), timedOut: true, duration: .milliseconds(9)))
        let all = frames(in: [.send(output)] + actions)
        #expect(all.map(\.type) == ["stdout", "stderr", "exit"])
        #expect(all[0].body == Array("out".utf8))
        #expect(all[2]["code"] == .null)
        #expect(all[2]["signal"] == "TERM")
        #expect(all[2]["timed_out"] == true)
        #expect(!session.hasRunningCommands)
        guard case .finished(let record)? = actions.last else { Issue.record("no log record"); return }
        #expect(record.bytesOut == 6)
        #expect(record.command == "x")
    }

    @Test("a command that cannot start is answered with an error naming it", arguments: [ErrorCode.badCwd, .spawnFailed])
    func startFailed(_ code: ErrorCode) throws {
        var session = readySession()
        _ = session.receive(exec(4, "x"))
        let all = frames(in: session.startFailed(ProtocolError(code, "nope", id: 4)))
        #expect(all.count == 1)
        #expect(all[0]["code"]?.stringValue == code.rawValue)
        #expect(all[0]["id"] == 4)
        #expect(!session.hasRunningCommands)
    }

    @Test("the default timeout applies when the request has none")
    func defaultTimeout() {
        var configuration = configuration()
        configuration.defaultTimeoutMilliseconds = 2500
        var session = ServerSession(configuration)
        _ = session.receive(handshake)
        let actions = session.receive(exec(1, "x") + ClientMessage.exec(ExecRequest(id: 2, command: .shell("y"), timeoutMilliseconds: 10)).encoded)
        let timeouts = actions.compactMap { action -> Int64?? in
            if case .start(let request) = action { return request.timeoutMilliseconds }
            return nil
        }
        #expect(timeouts == [2500, 10])
    }

    @Test("losing the connection tears down every running command")
    func connectionLost() {
        var session = readySession()
        _ = session.receive(exec(1, "a") + exec(2, "b"))
        #expect(session.connectionLost() == [.terminate(id: 1), .terminate(id: 2)])
        #expect(session.phase == .closed)
        #expect(session.receive(exec(3, "c")).isEmpty)
    }

    @Test("shutdown refuses new commands and closes once the running ones finish")
    func shutdown() {
        var session = readySession()
        _ = session.receive(exec(1, "a"))
        #expect(session.beginShutdown().isEmpty)
        let refused = frames(in: session.receive(exec(2, "b")))
        #expect(refused.first?["code"] == "shutting_down")
        #expect(refused.first?["id"] == 2)
        let actions = session.finished(id: 1, exitedZero)
        #expect(frames(in: actions).map(\.type) == ["exit", "error"])
        #expect(actions.last == .close)
    }

    @Test("an idle connection closes at once on shutdown")
    func idleShutdown() {
        var session = readySession()
        let actions = session.beginShutdown()
        #expect(frames(in: actions).first?["code"] == "shutting_down")
        #expect(actions.last == .close)
    }

    @Test("a handshake that does not finish in time is told so and closed")
    func handshakeTimeout() {
        var session = ServerSession(configuration())
        _ = session.receive(Limits.preface)
        let actions = session.handshakeTimedOut()
        #expect(frames(in: actions).first?["code"] == "handshake_timeout")
        #expect(actions.last == .close)
        var ready = readySession()
        #expect(ready.handshakeTimedOut().isEmpty, "no deadline once the handshake is done")
    }

    @Test("a frame left unfinished is timed out; a connection between frames is not")
    func frameTimeout() {
        var session = readySession()
        #expect(!session.isMidFrame)
        #expect(session.frameTimedOut().isEmpty)
        _ = session.receive(Array(exec(1, "x").prefix(7)))
        #expect(session.isMidFrame)
        let actions = session.frameTimedOut()
        #expect(frames(in: actions).first?["code"] == "frame_timeout")
        #expect(actions.contains(.close))
    }

    @Test("a connection over the server's limit is told it is busy")
    func busy() {
        #expect(frames(in: [.send(ServerSession.busyReply())]).first?["code"] == "busy")
    }
}

@Suite("Server session: classic connections")
struct ClassicSessionTests {
    @Test("each read is one command, CR/LF stripped, run by the shell")
    func commandPerRead() {
        var session = ServerSession(configuration())
        let actions = session.receive(Array("ls -l\r\n".utf8))
        #expect(actions == [.start(ExecRequest(id: 1, command: .shell("ls -l")))])
        #expect(session.phase == .classic)
        #expect(session.receive(Array("\n".utf8)).isEmpty, "empty commands are ignored")
    }

    @Test("the reply is one frame: exit_code and total_size, body stderr then stdout")
    func reply() throws {
        var session = ServerSession(configuration())
        _ = session.receive(Array("cmd".utf8))
        var ignored: [UInt8] = []
        [UInt8]("out1".utf8).withUnsafeBytes { _ = session.output(id: 1, .stdout, $0, into: &ignored) }
        [UInt8]("err".utf8).withUnsafeBytes { _ = session.output(id: 1, .stderr, $0, into: &ignored) }
        [UInt8]("out2".utf8).withUnsafeBytes { _ = session.output(id: 1, .stdout, $0, into: &ignored) }
        #expect(ignored.isEmpty, "classic output is held for the one reply")
        let reply = try #require(frames(in: session.finished(id: 1, CommandOutcome(status: .exited(3), timedOut: false, duration: .milliseconds(1)))).first)
        #expect(reply.body == Array("errout1out2".utf8))
        #expect(reply["exit_code"] == 3)
        #expect(reply["total_size"] == 11)
        #expect(reply["type"] == nil)
    }

    @Test("commands that arrive while one runs wait their turn")
    func queued() {
        var session = ServerSession(configuration())
        _ = session.receive(Array("first".utf8))
        #expect(session.receive(Array("second".utf8)).isEmpty)
        let actions = session.finished(id: 1, exitedZero)
        #expect(actions.contains(.start(ExecRequest(id: 2, command: .shell("second")))))
    }

    @Test("output past the cap stops the command and marks the reply truncated")
    func cap() throws {
        var configuration = configuration()
        configuration.classicOutputCap = 10
        var session = ServerSession(configuration)
        _ = session.receive(Array("yes".utf8))
        var ignored: [UInt8] = []
        let first = [UInt8](repeating: 121, count: 8).withUnsafeBytes { session.output(id: 1, .stdout, $0, into: &ignored) }
        let second = [UInt8](repeating: 121, count: 8).withUnsafeBytes { session.output(id: 1, .stdout, $0, into: &ignored) }
        let third = [UInt8](repeating: 121, count: 8).withUnsafeBytes { session.output(id: 1, .stdout, $0, into: &ignored) }
        #expect(first == nil)
        #expect(second == .terminate(id: 1))
        #expect(third == nil, "the command is stopped only once")
        let reply = try #require(frames(in: session.finished(id: 1, CommandOutcome(status: .signaled(Signal(name: "TERM")!), timedOut: false, duration: .milliseconds(1)))).first)
        #expect(reply.body.count == 10)
        #expect(reply["truncated"] == true)
        #expect(reply["exit_code"] == -15)
    }

    @Test("a connection that may not be classic (TLS) says so in the classic format")
    func refused() throws {
        var session = ServerSession(configuration())
        session.admit(Admission(clientAuthentication: .none, acceptsClassic: false))
        let actions = session.receive(Array("ls".utf8))
        #expect(actions.last == .close)
        let reply = try #require(frames(in: actions).first)
        #expect(reply["exit_code"] == 255)
        #expect(!actions.contains { if case .start = $0 { return true } else { return false } })
    }

    @Test("a command that is not UTF-8 is answered, not run")
    func notUTF8() throws {
        var session = ServerSession(configuration())
        let actions = session.receive([0xC4, 0xE3, 0xBA, 0xC3])  // "你好" in GBK
        let reply = try #require(frames(in: actions).first)
        #expect(reply["exit_code"] == 255)
        #expect(actions.count == 1)
    }

    @Test("a command that is not UTF-8 is answered in its turn, after the commands before it")
    func notUTF8InTurn() throws {
        var session = ServerSession(configuration())
        #expect(session.receive(Array("sleep 1; echo first".utf8)) == [.start(ExecRequest(id: 1, command: .shell("sleep 1; echo first")))])
        #expect(session.receive([0xC4, 0xE3, 0xBA, 0xC3]).isEmpty, "answered only once the command before it is")
        #expect(session.receive(Array("echo third".utf8)).isEmpty)
        let actions = session.finished(id: 1, exitedZero)
        let replies = frames(in: actions)
        #expect(replies.map { $0["exit_code"] } == [0, 255])
        #expect(actions.last == .start(ExecRequest(id: 2, command: .shell("echo third"))))
    }
}
