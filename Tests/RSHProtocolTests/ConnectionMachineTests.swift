import RSHProtocol
import Testing

// The connection machine driven as a driver drives it, with no socket, no
// process and no waiting: every event carries an instant of a synthetic
// clock, `t0` plus an offset.

private let t0 = ContinuousClock.now

private func at(_ offset: Duration) -> ContinuousClock.Instant { t0 + offset }

/// The smallest step of the clock: what "a moment before" a deadline means here.
private let moment = Duration.nanoseconds(1)

/// Every timeout different, so that each deadline can be told from the others.
private let timeouts = ConnectionMachine.Timeouts(handshake: .seconds(10), frame: .seconds(5), writeStall: .seconds(30),
                                                  grace: .seconds(2), linger: .seconds(1))

private func helloBytes(stdinWindow: Bool = false) -> [UInt8] {
    Limits.preface + ClientMessage.hello(version: 1, client: "test", stdinWindow: stdinWindow).encoded
}

/// A second hello: a protocol error that ends the connection.
private let helloAgain = ClientMessage.hello(version: 1, client: "test").encoded

private func exec(_ id: Int64, stdin: Bool = false) -> [UInt8] {
    ClientMessage.exec(ExecRequest(id: id, command: .shell("command \(id)"), wantsStdin: stdin)).encoded
}

private let exitedZero = CommandOutcome(status: .exited(0), duration: .milliseconds(5))

/// A connection accepted at `t0`.
private func accepted(_ session: ServerSession = ServerSession(configuration())) -> ConnectionMachine {
    ConnectionMachine(session: session, timeouts: timeouts, now: t0)
}

/// A connection whose client finished its handshake at `t0` and has read the server's hello.
private func opened(stdinWindow: Bool = false) -> ConnectionMachine {
    var machine = accepted()
    _ = machine.received(helloBytes(stdinWindow: stdinWindow), now: t0)
    _ = machine.wrote(machine.queuedByteCount, now: t0)
    return machine
}

/// An open connection running the commands `ids`, started at `t0`; with
/// `stdin`, each takes stdin and the client keeps a stdin window.
private func running(_ ids: Int64..., stdin: Bool = false) -> ConnectionMachine {
    var machine = opened(stdinWindow: stdin)
    for id in ids { _ = machine.received(exec(id, stdin: stdin), now: t0) }
    return machine
}

@discardableResult
private func output(_ machine: inout ConnectionMachine, _ id: Int64, count: Int,
                    now: ContinuousClock.Instant) -> [ConnectionMachine.Action] {
    [UInt8](repeating: UInt8(ascii: "o"), count: count).withUnsafeBytes { machine.childOutput(id, .stdout, $0, now: now) }
}

/// The frames waiting for the client (the queue must begin at a frame's start).
private func queuedFrames(_ machine: ConnectionMachine, sourceLocation: SourceLocation = #_sourceLocation) -> [Frame] {
    var decoder = FrameDecoder(.init(maxBodySize: 1 << 30, requiresType: false))
    machine.withQueuedBytes { decoder.feed($0) }
    var frames: [Frame] = []
    do {
        while let frame = try decoder.next() { frames.append(frame) }
    } catch {
        Issue.record("the queued bytes are not frames: \(error)", sourceLocation: sourceLocation)
    }
    #expect(decoder.isAtFrameBoundary, "the queue ends inside a frame", sourceLocation: sourceLocation)
    return frames
}

private func queuedTypes(_ machine: ConnectionMachine, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
    queuedFrames(machine, sourceLocation: sourceLocation).map(\.type)
}

/// The client reads everything queued: the frames it got, and the machine's answer.
private func takeAll(_ machine: inout ConnectionMachine,
                     now: ContinuousClock.Instant) -> (frames: [Frame], actions: [ConnectionMachine.Action]) {
    let frames = queuedFrames(machine)
    return (frames, machine.wrote(machine.queuedByteCount, now: now))
}

private func terminated(_ actions: [ConnectionMachine.Action]) -> [Int64] {
    actions.compactMap { if case .session(.terminate(let id)) = $0 { return id } else { return nil } }
}

private func started(_ actions: [ConnectionMachine.Action]) -> [Int64] {
    actions.compactMap { if case .session(.start(let request)) = $0 { return request.id } else { return nil } }
}

private func warnings(_ actions: [ConnectionMachine.Action]) -> [String] {
    actions.compactMap { if case .session(.warning(let message)) = $0 { return message } else { return nil } }
}

private func onlyLogRecords(_ actions: [ConnectionMachine.Action]) -> Bool {
    actions.allSatisfy { if case .session(.finished) = $0 { return true } else { return false } }
}

extension ConnectionMachine.Phase {
    fileprivate var isLost: Bool {
        if case .ended(.lost) = self { return true }
        return false
    }
}

/// Checks that `nextDeadline` is the earliest of the deadlines `pending`, and
/// that a moment before it nothing fires and nothing changes.
private func expectDeadline(_ machine: ConnectionMachine, earliestOf pending: [ContinuousClock.Instant],
                            sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(machine.nextDeadline == pending.min(), sourceLocation: sourceLocation)
    guard let earliest = machine.nextDeadline else { return }
    var early = machine
    #expect(early.expire(now: earliest - moment).isEmpty, "a deadline fired early", sourceLocation: sourceLocation)
    #expect(early.phase == machine.phase, sourceLocation: sourceLocation)
    #expect(early.nextDeadline == earliest, sourceLocation: sourceLocation)
    #expect(early.queuedByteCount == machine.queuedByteCount, sourceLocation: sourceLocation)
}

/// How the client's bytes arrive: all in one read, or one byte per read (h11's two deliveries).
enum ByteDelivery: String, CaseIterable {
    case whole, byteByByte

    func chunks(_ bytes: [UInt8]) -> [[UInt8]] {
        switch self {
        case .whole: return [bytes]
        case .byteByByte: return bytes.map { [$0] }
        }
    }
}

/// How far a client got with its handshake.
enum HandshakeProgress: String, CaseIterable {
    case nothing, halfPreface, preface, halfHello

    var bytes: [UInt8] {
        switch self {
        case .nothing: return []
        case .halfPreface: return Array(Limits.preface.prefix(2))
        case .preface: return Limits.preface
        case .halfHello: return Array(helloBytes().prefix(Limits.preface.count + 10))
        }
    }

    /// Whether a frame (or the preface) is half-received, so that its deadline runs.
    var isMidFrame: Bool { self == .halfPreface || self == .halfHello }
}

/// Units a client sends one after another: frames, and the preface that comes before them.
enum FrameSequence: String, CaseIterable {
    case handshake, requests

    var units: [[UInt8]] {
        switch self {
        case .handshake: return [Limits.preface, Array(helloBytes().dropFirst(Limits.preface.count)), exec(1)]
        case .requests: return [exec(1), exec(2), exec(3)]
        }
    }

    /// The deadlines pending after reads at 1 s, 4 s and 8 s, each of which ends halfway through a unit.
    var pendingAfterRead: [[ContinuousClock.Instant]] {
        switch self {
        case .handshake:
            // Handshaking until the hello is in (at 8 s); then its reply waits to be taken.
            return [[at(.seconds(6)), at(.seconds(10))], [at(.seconds(9)), at(.seconds(10))], [at(.seconds(13)), at(.seconds(38))]]
        case .requests:
            return [[at(.seconds(6))], [at(.seconds(9))], [at(.seconds(13))]]
        }
    }
}

/// Where a connection can be, with commands running and bytes queued where its phase allows them.
enum ConnectionStage: String, CaseIterable {
    case handshaking, open, draining, closing, lingering

    var machine: ConnectionMachine {
        switch self {
        case .handshaking:
            var machine = accepted()
            _ = machine.received(Limits.preface, now: t0)
            return machine
        case .open:
            var machine = running(1, 2)
            output(&machine, 1, count: 100, now: t0)
            return machine
        case .draining:
            var machine = running(1, 2)
            output(&machine, 1, count: 100, now: t0)
            _ = machine.beginShutdown(now: t0)
            return machine
        case .closing:
            var machine = running(1, 2)
            _ = machine.received(helloAgain, now: t0)
            return machine
        case .lingering:
            var machine = running(1, 2)
            _ = machine.received(helloAgain, now: t0)
            _ = machine.wrote(machine.queuedByteCount, now: t0)
            return machine
        }
    }

    /// The commands running at this stage.
    var runningCommands: [Int64] { self == .handshaking ? [] : [1, 2] }

    func matches(_ phase: ConnectionMachine.Phase) -> Bool {
        switch (self, phase) {
        case (.handshaking, .handshaking), (.open, .open), (.draining, .draining), (.closing, .closing),
             (.lingering, .lingering): return true
        default: return false
        }
    }
}

// MARK: Phases

@Suite("Connection machine: phases")
struct ConnectionMachinePhaseTests {
    @Test("a connection is handshaking until its hello is answered, then open", arguments: ByteDelivery.allCases)
    func handshakeOpens(_ delivery: ByteDelivery) {
        var machine = accepted()
        #expect(machine.phase == .handshaking(deadline: at(.seconds(10))))
        #expect(machine.isHandshaking)
        let chunks = delivery.chunks(helloBytes())
        var now = t0
        for (index, chunk) in chunks.enumerated() {
            #expect(machine.isHandshaking, "open before the hello's last byte")
            now = at(.milliseconds(index))
            #expect(machine.received(chunk, now: now).isEmpty)
        }
        #expect(machine.phase == .open)
        #expect(!machine.isHandshaking)
        #expect(machine.isConnected)
        #expect(queuedTypes(machine) == ["hello"])
        expectDeadline(machine, earliestOf: [now + timeouts.writeStall])
    }

    @Test("a connection refused at admission answers its first byte, lingers, and starts nothing", arguments: [ErrorCode.tlsRequired, .forbidden])
    func refusedAtAdmission(_ code: ErrorCode) {
        var machine = accepted()
        machine.admit(Admission(clientAuthentication: .none, refusal: ProtocolError(code, "refused"), acceptsClassic: true))
        let actions = machine.received(Limits.preface + ClientMessage.hello(version: 1, client: nil).encoded
                                       + ClientMessage.exec(ExecRequest(id: 1, command: .shell("true"))).encoded, now: at(.seconds(1)))
        #expect(started(actions).isEmpty)
        #expect(machine.phase == .closing)
        #expect(queuedFrames(machine).map { $0["code"]?.stringValue } == [code.rawValue])
        #expect(takeAll(&machine, now: at(.seconds(2))).actions == [.shutdownWriting])
        #expect(machine.phase == .lingering(deadline: at(.seconds(3))))
    }

    @Test("a classic connection opens on its first read; output held for the reply starts no write-stall deadline")
    func classicConnection() throws {
        var machine = accepted()
        let actions = machine.received(Array("sleep 100; echo hi\n".utf8), now: at(.seconds(1)))
        #expect(actions == [.session(.start(ExecRequest(id: 1, command: .shell("sleep 100; echo hi"))))])
        #expect(machine.phase == .open)
        #expect(machine.received(Array("second".utf8), now: at(.seconds(1))).isEmpty, "it waits its turn")

        #expect(output(&machine, 1, count: 3, now: at(.seconds(2))).isEmpty)
        #expect(!machine.hasQueuedBytes)
        expectDeadline(machine, earliestOf: [])
        #expect(machine.expire(now: at(.seconds(100))).isEmpty)
        #expect(machine.phase == .open)

        let finished = machine.childFinished(1, exitedZero, now: at(.seconds(100)))
        #expect(started(finished) == [2])
        let reply = try #require(queuedFrames(machine).first)
        #expect(reply["exit_code"] == 0)
        #expect(reply.body == Array("ooo".utf8))
        expectDeadline(machine, earliestOf: [at(.seconds(130))])
    }

    @Test("a classic connection being shut down waits for its command, then closes with no error frame")
    func classicShutdown() {
        var machine = accepted()
        _ = machine.received(Array("make\n".utf8), now: t0)
        #expect(machine.beginShutdown(now: at(.seconds(1))).isEmpty)
        #expect(machine.phase == .draining(graceEnds: at(.seconds(3))))
        #expect(machine.received(Array("another".utf8), now: at(.seconds(1))).isEmpty, "no new commands")
        let actions = machine.childFinished(1, exitedZero, now: at(.seconds(2)))
        #expect(onlyLogRecords(actions))
        #expect(machine.phase == .closing)
        let frames = queuedFrames(machine)
        #expect(frames.count == 1)
        #expect(frames.first?["exit_code"] == 0)
        #expect(takeAll(&machine, now: at(.seconds(2))).actions == [.shutdownWriting])
        #expect(machine.phase == .lingering(deadline: at(.seconds(3))))
    }

    @Test("a connection that may not be classic (TLS) answers a classic first read and closes")
    func classicRefused() {
        var machine = accepted()
        machine.admit(Admission(clientAuthentication: .none, acceptsClassic: false))
        #expect(machine.received(Array("ls".utf8), now: at(.seconds(1))).isEmpty)
        #expect(machine.phase == .closing)
        #expect(queuedFrames(machine).map { $0["exit_code"] } == [255])
        #expect(takeAll(&machine, now: at(.seconds(2))).actions == [.shutdownWriting])
        #expect(machine.phase == .lingering(deadline: at(.seconds(3))))
    }

    @Test("shutdown during the handshake closes at once with shutting_down", arguments: HandshakeProgress.allCases)
    func shutdownDuringHandshake(_ progress: HandshakeProgress) {
        var machine = accepted()
        _ = machine.received(progress.bytes, now: at(.seconds(1)))
        #expect(machine.isHandshaking)
        #expect(machine.beginShutdown(now: at(.seconds(2))).isEmpty)
        #expect(machine.phase == .closing)
        #expect(!machine.wantsInput)
        #expect(queuedFrames(machine).map { $0["code"] } == ["shutting_down"])
        expectDeadline(machine, earliestOf: [at(.seconds(32))])
        #expect(machine.beginShutdown(now: at(.seconds(3))).isEmpty, "a second shutdown changes nothing")
        #expect(takeAll(&machine, now: at(.seconds(3))).actions == [.shutdownWriting])
        #expect(machine.phase == .lingering(deadline: at(.seconds(4))))
    }

    @Test("shutdown of a connection running nothing closes at once with shutting_down")
    func idleShutdown() {
        var machine = opened()
        #expect(machine.beginShutdown(now: at(.seconds(1))).isEmpty)
        #expect(machine.phase == .closing)
        #expect(queuedFrames(machine).map { $0["code"] } == ["shutting_down"])
    }

    @Test("a draining connection refuses new commands, and closes once its commands have finished")
    func drainingCloses() {
        var machine = running(1, 2)
        #expect(machine.beginShutdown(now: at(.seconds(1))).isEmpty)
        #expect(machine.phase == .draining(graceEnds: at(.seconds(3))))
        #expect(machine.wantsInput, "a draining connection still reads: signals, stdin")

        #expect(started(machine.received(exec(3), now: at(.seconds(1)))).isEmpty)
        #expect(machine.phase == .draining(graceEnds: at(.seconds(3))))
        let refused = takeAll(&machine, now: at(.seconds(1))).frames
        #expect(refused.map { $0["code"] } == ["shutting_down"])
        #expect(refused.first?["id"] == 3)

        #expect(onlyLogRecords(machine.childFinished(1, exitedZero, now: at(.seconds(2)))))
        #expect(machine.phase == .draining(graceEnds: at(.seconds(3))))
        #expect(onlyLogRecords(machine.childFinished(2, exitedZero, now: at(.seconds(2)))))
        #expect(machine.phase == .closing)
        let frames = queuedFrames(machine)
        #expect(frames.map(\.type) == ["exit", "exit", "error"])
        #expect(frames.last?["code"] == "shutting_down")
        #expect(takeAll(&machine, now: at(.milliseconds(2500))).actions == [.shutdownWriting])
        #expect(machine.phase == .lingering(deadline: at(.milliseconds(3500))))
        #expect(machine.expire(now: at(.milliseconds(3500))).isEmpty)
        #expect(machine.phase == .ended(.closed))
        #expect(machine.isFinished)
    }

    @Test("a protocol error ends the connection: error frame, commands torn down, closing",
          arguments: [ConnectionStage.handshaking, .open, .draining])
    func protocolErrorCloses(_ stage: ConnectionStage) {
        var machine = stage.machine
        _ = machine.wrote(machine.queuedByteCount, now: t0)
        let broken = stage == .handshaking ? exec(9) : helloAgain
        let actions = machine.received(broken, now: at(.seconds(1)))
        #expect(terminated(actions) == stage.runningCommands)
        #expect(machine.phase == .closing)
        #expect(!machine.wantsInput)
        #expect(queuedFrames(machine).map { $0["code"] } == [stage == .handshaking ? "hello_required" : "bad_request"])
        expectDeadline(machine, earliestOf: [at(.seconds(31))])
        #expect(machine.received(exec(9), now: at(.seconds(1))).isEmpty, "nothing more is read")
        #expect(takeAll(&machine, now: at(.seconds(2))).actions == [.shutdownWriting])
        #expect(machine.phase == .lingering(deadline: at(.seconds(3))))
        #expect(!machine.isFinished || stage.runningCommands.isEmpty)
    }
}

// MARK: Deadlines

@Suite("Connection machine: deadlines")
struct ConnectionMachineDeadlineTests {
    @Test("the handshake deadline fires when due, and not before", arguments: HandshakeProgress.allCases)
    func handshakeDeadline(_ progress: HandshakeProgress) {
        var machine = accepted()
        if !progress.bytes.isEmpty { _ = machine.received(progress.bytes, now: at(.seconds(6))) }
        expectDeadline(machine, earliestOf: progress.isMidFrame ? [at(.seconds(10)), at(.seconds(11))] : [at(.seconds(10))])
        let actions = machine.expire(now: at(.seconds(10)))
        #expect(warnings(actions).count == 1)
        #expect(machine.phase == .closing)
        #expect(queuedFrames(machine).map { $0["code"] } == ["handshake_timeout"])
        expectDeadline(machine, earliestOf: [at(.seconds(40))])
    }

    @Test("a frame must be finished within the frame timeout of its first byte")
    func frameDeadline() {
        var machine = opened()
        let request = exec(1)
        _ = machine.received(Array(request.prefix(6)), now: at(.seconds(1)))
        expectDeadline(machine, earliestOf: [at(.seconds(6))])
        _ = machine.received(Array(request.dropFirst(6).prefix(6)), now: at(.seconds(3)))
        expectDeadline(machine, earliestOf: [at(.seconds(6))])

        var finished = machine
        #expect(started(finished.received(Array(request.dropFirst(12)), now: at(.seconds(5)))) == [1])
        expectDeadline(finished, earliestOf: [])

        let actions = machine.expire(now: at(.seconds(6)))
        #expect(warnings(actions).count == 1)
        #expect(machine.phase == .closing)
        #expect(queuedFrames(machine).map { $0["code"] } == ["frame_timeout"])
    }

    @Test("a frame's deadline does not run while the server has stopped reading, and starts again when it reads")
    func frameDeadlinePausedReading() {
        var machine = opened()
        let request = exec(1)
        _ = machine.received(Array(request.prefix(6)), now: at(.seconds(1)))
        expectDeadline(machine, earliestOf: [at(.seconds(6))])
        machine.readingPaused()
        expectDeadline(machine, earliestOf: [])
        #expect(machine.expire(now: at(.seconds(20))).isEmpty)
        #expect(machine.phase == .open)
        machine.readingResumed(now: at(.seconds(30)))
        expectDeadline(machine, earliestOf: [at(.seconds(35))])
        #expect(started(machine.received(Array(request.dropFirst(6)), now: at(.seconds(34)))) == [1])
        expectDeadline(machine, earliestOf: [])
        machine.readingPaused()
        machine.readingResumed(now: at(.seconds(40)))
        expectDeadline(machine, earliestOf: [])
    }

    @Test("each frame's deadline runs from its own first byte, also when it begins in the read that ends the one before",
          arguments: FrameSequence.allCases)
    func frameDeadlinePerFrame(_ sequence: FrameSequence) {
        var machine = sequence == .handshake ? accepted() : opened()
        let units = sequence.units
        // Every read ends halfway through a unit: the connection is never between frames.
        var cuts = [0]
        var unitStart = 0
        for unit in units {
            cuts.append(unitStart + unit.count / 2)
            unitStart += unit.count
        }
        let stream = Array(units.joined())
        for (read, time) in [1, 4, 8].enumerated() {
            _ = machine.received(Array(stream[cuts[read]..<cuts[read + 1]]), now: at(.seconds(time)))
            expectDeadline(machine, earliestOf: sequence.pendingAfterRead[read])
        }
        #expect(machine.expire(now: at(.seconds(12))).isEmpty)
        #expect(machine.phase == .open)
    }

    @Test("a client that takes nothing of its queued bytes is dropped after the write-stall timeout")
    func writeStall() {
        var machine = running(1)
        output(&machine, 1, count: 100, now: at(.seconds(1)))
        expectDeadline(machine, earliestOf: [at(.seconds(31))])
        let actions = machine.expire(now: at(.seconds(31)))
        #expect(warnings(actions).count == 1)
        #expect(terminated(actions) == [1])
        #expect(machine.phase.isLost)
        #expect(!machine.hasQueuedBytes)
        #expect(!machine.isFinished, "its command has not finished")
        #expect(onlyLogRecords(machine.childFinished(1, exitedZero, now: at(.seconds(32)))))
        #expect(machine.isFinished)
    }

    @Test("a client that keeps taking a little, one partial write at a time, is still dropped")
    func writeStallPartialWrites() {
        var machine = running(1)
        for _ in 0..<5 { output(&machine, 1, count: Limits.outputChunkSize, now: t0) }
        for second in 1...29 {
            #expect(machine.wrote(1024, now: at(.seconds(second))).isEmpty)
            expectDeadline(machine, earliestOf: [at(.seconds(30))])
        }
        let actions = machine.expire(now: at(.seconds(30)))
        #expect(warnings(actions).count == 1)
        #expect(terminated(actions) == [1])
        #expect(machine.phase.isLost)
    }

    @Test("a client that takes the high-water mark's worth within each window is kept")
    func writeStallProgress() {
        var machine = running(1)
        for _ in 0..<5 { output(&machine, 1, count: Limits.outputChunkSize, now: t0) }
        _ = machine.wrote(Limits.sendQueueHighWater - 1, now: at(.seconds(10)))
        expectDeadline(machine, earliestOf: [at(.seconds(30))])
        _ = machine.wrote(1, now: at(.seconds(20)))
        expectDeadline(machine, earliestOf: [at(.seconds(50))])
        #expect(machine.expire(now: at(.seconds(30))).isEmpty)

        for _ in 0..<4 { output(&machine, 1, count: Limits.outputChunkSize, now: at(.seconds(25))) }
        expectDeadline(machine, earliestOf: [at(.seconds(50))])
        for second in [35, 40, 45] {
            _ = machine.wrote(Limits.sendQueueHighWater / 4, now: at(.seconds(second)))
            expectDeadline(machine, earliestOf: [at(.seconds(50))])
        }
        _ = machine.wrote(Limits.sendQueueHighWater / 4, now: at(.seconds(49)))
        #expect(machine.hasQueuedBytes)
        expectDeadline(machine, earliestOf: [at(.seconds(79))])
        #expect(machine.expire(now: at(.seconds(50))).isEmpty)
        #expect(machine.phase == .open)
    }

    @Test("a drained queue stops the write-stall watch; new bytes start a new one")
    func writeStallStopsWhenDrained() {
        var machine = running(1)
        output(&machine, 1, count: 100, now: t0)
        _ = machine.wrote(50, now: at(.seconds(10)))
        expectDeadline(machine, earliestOf: [at(.seconds(30))])
        _ = machine.wrote(machine.queuedByteCount, now: at(.seconds(29)))
        expectDeadline(machine, earliestOf: [])
        #expect(machine.expire(now: at(.seconds(100))).isEmpty)
        #expect(machine.phase == .open)
        output(&machine, 1, count: 100, now: at(.seconds(140)))
        expectDeadline(machine, earliestOf: [at(.seconds(170))])
    }

    @Test("a client that does not take the server's last frame is dropped after the write-stall timeout")
    func writeStallWhileClosing() {
        var machine = opened()
        _ = machine.beginShutdown(now: at(.seconds(1)))
        #expect(machine.phase == .closing)
        expectDeadline(machine, earliestOf: [at(.seconds(31))])
        let actions = machine.expire(now: at(.seconds(31)))
        #expect(warnings(actions).count == 1)
        #expect(machine.phase.isLost)
        #expect(machine.isFinished)
    }

    @Test("at the end of the shutdown grace period the running commands are torn down")
    func graceDeadline() {
        var machine = running(1, 2)
        _ = machine.beginShutdown(now: at(.seconds(1)))
        expectDeadline(machine, earliestOf: [at(.seconds(3))])
        #expect(machine.expire(now: at(.seconds(3))) == [.session(.terminate(id: 1)), .session(.terminate(id: 2))])
        #expect(machine.phase == .draining(graceEnds: nil))
        expectDeadline(machine, earliestOf: [])
        #expect(machine.expire(now: at(.seconds(60))).isEmpty, "commands are torn down once")
        _ = machine.childFinished(1, exitedZero, now: at(.seconds(4)))
        _ = machine.childFinished(2, exitedZero, now: at(.seconds(4)))
        #expect(machine.phase == .closing)
        #expect(queuedTypes(machine) == ["exit", "exit", "error"])
    }

    @Test("after the grace period a client not reading is dropped after one more grace period, not the write-stall timeout",
          arguments: [true, false])
    func graceShortensWriteStall(queuedBeforeGraceEnds: Bool) {
        var machine = running(1)
        if queuedBeforeGraceEnds { output(&machine, 1, count: 100, now: t0) }
        _ = machine.beginShutdown(now: at(.seconds(1)))
        expectDeadline(machine, earliestOf: queuedBeforeGraceEnds ? [at(.seconds(3)), at(.seconds(30))] : [at(.seconds(3))])
        #expect(terminated(machine.expire(now: at(.seconds(3)))) == [1])
        let droppedAt: ContinuousClock.Instant
        if queuedBeforeGraceEnds {
            droppedAt = at(.seconds(5))
        } else {
            expectDeadline(machine, earliestOf: [])
            output(&machine, 1, count: 100, now: at(.seconds(4)))
            droppedAt = at(.seconds(6))
        }
        expectDeadline(machine, earliestOf: [droppedAt])
        let actions = machine.expire(now: droppedAt)
        #expect(warnings(actions).count == 1)
        #expect(machine.phase.isLost)
    }

    @Test("after its last frame the connection lingers, reading and discarding, until the linger deadline")
    func lingerDeadline() {
        var machine = opened()
        _ = machine.beginShutdown(now: at(.seconds(1)))
        #expect(takeAll(&machine, now: at(.seconds(2))).actions == [.shutdownWriting])
        #expect(machine.phase == .lingering(deadline: at(.seconds(3))))
        expectDeadline(machine, earliestOf: [at(.seconds(3))])
        #expect(machine.wantsInput)
        #expect(machine.received(exec(1) + Array(exec(2).prefix(5)), now: at(.milliseconds(2500))).isEmpty)
        expectDeadline(machine, earliestOf: [at(.seconds(3))])
        #expect(machine.expire(now: at(.seconds(3))).isEmpty)
        #expect(machine.phase == .ended(.closed))
        #expect(!machine.isConnected)
        #expect(machine.isFinished)
        expectDeadline(machine, earliestOf: [])
    }

    @Test("end of file while lingering is a normal close")
    func endOfFileWhileLingering() {
        var machine = opened()
        _ = machine.beginShutdown(now: at(.seconds(1)))
        _ = takeAll(&machine, now: at(.seconds(2)))
        #expect(machine.peerClosed("end of file").isEmpty)
        #expect(machine.phase == .ended(.closed))
        #expect(machine.isFinished)
    }

    @Test("nextDeadline is the earliest pending deadline at every step, and each fires when due")
    func nextDeadlineIsTheEarliest() {
        var machine = running(1)
        expectDeadline(machine, earliestOf: [])
        output(&machine, 1, count: 100, now: at(.seconds(1)))
        expectDeadline(machine, earliestOf: [at(.seconds(31))])
        _ = machine.beginShutdown(now: at(.seconds(2)))
        expectDeadline(machine, earliestOf: [at(.seconds(31)), at(.seconds(4))])
        _ = machine.received(Array(exec(2).prefix(5)), now: at(.seconds(3)))
        expectDeadline(machine, earliestOf: [at(.seconds(31)), at(.seconds(4)), at(.seconds(8))])

        #expect(terminated(machine.expire(now: at(.seconds(4)))) == [1])
        // The write stall is now the grace period: 4 + 2.
        expectDeadline(machine, earliestOf: [at(.seconds(6)), at(.seconds(8))])
        _ = machine.wrote(machine.queuedByteCount, now: at(.seconds(5)))
        expectDeadline(machine, earliestOf: [at(.seconds(8))])

        let actions = machine.expire(now: at(.seconds(8)))
        #expect(warnings(actions).count == 1)
        #expect(machine.phase == .closing)
        #expect(queuedFrames(machine).map { $0["code"] } == ["frame_timeout"])
        expectDeadline(machine, earliestOf: [at(.seconds(10))])
        _ = machine.wrote(machine.queuedByteCount, now: at(.seconds(9)))
        expectDeadline(machine, earliestOf: [at(.seconds(10))])
        _ = machine.expire(now: at(.seconds(10)))
        #expect(machine.phase == .ended(.closed))
        expectDeadline(machine, earliestOf: [])
    }
}

// MARK: A vanished peer

@Suite("Connection machine: a peer that vanishes")
struct ConnectionMachinePeerClosedTests {
    @Test("its commands are torn down, its queue dropped, nothing more sent; finished once the commands are",
          arguments: ConnectionStage.allCases)
    func peerVanishes(_ stage: ConnectionStage) {
        var machine = stage.machine
        #expect(stage.matches(machine.phase), "the fixture is not at \(stage)")
        let actions = machine.peerClosed("connection reset")
        #expect(actions == stage.runningCommands.map { .session(.terminate(id: $0)) })
        #expect(machine.phase == (stage == .lingering ? .ended(.closed) : .ended(.lost("connection reset"))))
        #expect(!machine.isConnected)
        #expect(!machine.hasQueuedBytes)
        #expect(!machine.wantsInput)
        #expect(machine.acceptsChildOutput, "output is read and dropped")
        expectDeadline(machine, earliestOf: [])

        #expect(machine.received(exec(9), now: at(.seconds(1))).isEmpty)
        #expect(machine.beginShutdown(now: at(.seconds(1))).isEmpty)
        #expect(machine.peerClosed("again").isEmpty)
        #expect(machine.expire(now: at(.seconds(100))).isEmpty)
        for id in stage.runningCommands {
            #expect(output(&machine, id, count: 100, now: at(.seconds(1))).isEmpty)
            #expect(machine.stdinTaken(id, 100, now: at(.seconds(1))).isEmpty)
            #expect(!machine.hasQueuedBytes)
            #expect(!machine.isFinished, "command \(id) has not finished")
            let finished = machine.childFinished(id, exitedZero, now: at(.seconds(2)))
            #expect(finished.count == 1)
            #expect(onlyLogRecords(finished))
        }
        #expect(!machine.hasQueuedBytes)
        #expect(machine.isFinished)
    }
}

// MARK: Backpressure

@Suite("Connection machine: backpressure")
struct ConnectionMachineBackpressureTests {
    @Test("the socket and the output pipes are read only while less than the high-water mark is queued",
          arguments: [ConnectionStage.open, .draining])
    func highWaterMark(_ stage: ConnectionStage) {
        var machine = stage.machine
        _ = machine.wrote(machine.queuedByteCount, now: t0)
        while machine.queuedByteCount < Limits.sendQueueHighWater {
            #expect(machine.wantsInput)
            #expect(machine.acceptsChildOutput)
            output(&machine, 1, count: Limits.outputChunkSize, now: t0)
        }
        #expect(machine.queuedByteCount > Limits.sendQueueHighWater)
        _ = machine.wrote(machine.queuedByteCount - Limits.sendQueueHighWater, now: at(.seconds(1)))
        #expect(machine.queuedByteCount == Limits.sendQueueHighWater)
        #expect(!machine.wantsInput)
        #expect(!machine.acceptsChildOutput)
        _ = machine.wrote(1, now: at(.seconds(1)))
        #expect(machine.wantsInput)
        #expect(machine.acceptsChildOutput)
    }

    @Test("once nothing more is sent, the commands' output is read and dropped", arguments: [ConnectionStage.closing, .lingering])
    func outputDroppedOnceClosed(_ stage: ConnectionStage) {
        var machine = stage.machine
        let queued = machine.queuedByteCount
        #expect(machine.wantsInput == (stage == .lingering))
        #expect(machine.acceptsChildOutput)
        for _ in 0..<8 {
            #expect(output(&machine, 1, count: Limits.outputChunkSize, now: at(.seconds(1))).isEmpty)
            #expect(machine.acceptsChildOutput)
        }
        #expect(machine.queuedByteCount == queued)
    }
}

// MARK: After a fatal error

@Suite("Connection machine: after a fatal error")
struct ConnectionMachineFatalErrorTests {
    @Test("the error frame is the last thing queued: no output, no exit, no stdin acknowledgement",
          arguments: [ConnectionStage.open, .draining])
    func nothingAfterTheError(_ stage: ConnectionStage) {
        var machine = running(1, stdin: true)
        if stage == .draining { _ = machine.beginShutdown(now: t0) }
        let halfWindow = Limits.defaultStdinWindow / 2
        _ = machine.received(ClientMessage.stdin(id: 1, data: [UInt8](repeating: 1, count: halfWindow)).encoded, now: t0)
        _ = machine.wrote(machine.queuedByteCount, now: t0)
        _ = machine.received(helloAgain, now: at(.seconds(1)))
        #expect(machine.phase == .closing)
        let queued = machine.queuedByteCount
        #expect(queuedTypes(machine) == ["error"])

        #expect(output(&machine, 1, count: 100, now: at(.seconds(1))).isEmpty)
        #expect(machine.stdinTaken(1, halfWindow, now: at(.seconds(1))).isEmpty)
        #expect(onlyLogRecords(machine.childFinished(1, exitedZero, now: at(.seconds(1)))))
        #expect(machine.queuedByteCount == queued)
        #expect(queuedTypes(machine) == ["error"])
    }

    @Test("a command that cannot start, asked for in the read that broke the protocol, is not answered after the error")
    func startFailedAfterTheError() {
        var machine = opened()
        let actions = machine.received(exec(1) + helloAgain, now: at(.seconds(1)))
        #expect(started(actions) == [1])
        #expect(terminated(actions) == [1])
        #expect(machine.phase == .closing)
        var lingering = machine
        _ = lingering.wrote(lingering.queuedByteCount, now: at(.seconds(1)))
        #expect(lingering.phase == .lingering(deadline: at(.seconds(2))))

        let failure = ProtocolError(.badCwd, "cannot change to /nowhere", id: 1)
        #expect(machine.startFailed(failure, now: at(.seconds(1))).isEmpty)
        #expect(queuedFrames(machine).map { $0["code"] } == ["bad_request"])
        #expect(lingering.startFailed(failure, now: at(.seconds(1))).isEmpty)
        #expect(!lingering.hasQueuedBytes, "nothing is queued after the sending side is shut")
        expectDeadline(lingering, earliestOf: [at(.seconds(2))])
    }
}
