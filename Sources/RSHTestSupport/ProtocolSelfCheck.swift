import RSHProtocol

/// Runs arbitrary bytes through the protocol core and checks its
/// invariants: the libFuzzer harness (scripts/fuzz.sh) calls this, and
/// `swift test` replays the kept corpus through it. A crash here is a bug.
///
/// The first byte picks how the rest is cut into reads, so split points are
/// explored too. The bytes go through the frame decoder (whole frames, and
/// streamed bodies, which must agree) and the typed message decoding, and
/// through the server session, whose actions are answered as a driver would
/// answer them (file requests included: the answers come in every order the
/// session allows, and a reply out of place would stop at its precondition).
public enum ProtocolSelfCheck {
    public static func exercise(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        let chunk = Int(first) % 64 + 1
        let input = Array(bytes.dropFirst())
        exerciseDecoder(input, chunk: chunk)
        exerciseFilledDecoder(input, chunk: chunk)
        exerciseSession(input, chunk: chunk)
    }

    /// Frames read through `fill` in reads of `chunk` bytes, every body read
    /// in place, are the frames of the same bytes fed at once, up to the same error.
    private static func exerciseFilledDecoder(_ input: [UInt8], chunk: Int) {
        func decodeAll(_ decoder: inout FrameDecoder) -> (frames: [Frame], failed: Bool) {
            var frames: [Frame] = []
            do {
                while let frame = try decoder.next() { frames.append(frame) }
            } catch {
                return (frames, true)
            }
            return (frames, false)
        }
        var fed = FrameDecoder()
        fed.feed(input)
        let expected = decodeAll(&fed)

        var filled = FrameDecoder(.init(inPlaceBodyMinimum: 1))
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { scratch.deallocate() }
        var offset = 0
        var frames: [Frame] = []
        var failed = false
        while offset < input.count, !failed {
            let count = filled.fill(scratch: scratch) { room in
                let count = min(room.count, input.count - offset)
                input.withUnsafeBytes { source in
                    UnsafeMutableRawBufferPointer(rebasing: room[..<count])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<offset + count]))
                }
                return count
            }
            precondition(count ?? 0 > 0, "a read with bytes to give brought none")
            offset += count!
            let decoded = decodeAll(&filled)
            frames += decoded.frames
            failed = decoded.failed
        }
        precondition(frames == expected.frames && failed == expected.failed, "frames read in place differ")
    }

    private static func exerciseDecoder(_ input: [UInt8], chunk: Int) {
        var decoder = FrameDecoder()
        var streaming = FrameDecoder()
        var offset = 0
        while offset < input.count {
            decoder.feed(input[offset..<min(input.count, offset + chunk)])
            streaming.feed(input[offset..<min(input.count, offset + chunk)])
            offset += chunk
            do {
                while let frame = try decoder.next() {
                    // The streamed parts of the same bytes are the same frame.
                    var header: Frame?
                    var streamed: [UInt8] = []
                    partLoop: while let part = try streaming.nextPart() {
                        switch part {
                        case .header(let head, _): header = head
                        case .body(let bytes): streamed += bytes
                        case .end: break partLoop
                        }
                    }
                    precondition(header?.header == frame.header && streamed == frame.body, "streamed frame differs")
                    precondition(frame.body.count <= Limits.maxBodySize, "body over the limit")
                    if let message = try? ClientMessage(frame) {
                        // What decodes must encode and decode to the same message.
                        var again = FrameDecoder()
                        again.feed(message.encoded)
                        precondition((try? again.next()).flatMap { try? ClientMessage($0) } == message, "round trip")
                    }
                    _ = try? ServerMessage(frame)
                }
            } catch {
                return
            }
        }
    }

    private static func exerciseSession(_ input: [UInt8], chunk: Int) {
        let maxExecs = 4
        var session = ServerSession(.init(serverName: "check", mode: "check", maxExecs: maxExecs, classicOutputCap: 1024))
        var running: [Int64] = []
        var output: [UInt8] = []
        var offset = 0
        while offset < input.count, session.phase != .closed {
            let piece = Array(input[offset..<min(input.count, offset + chunk)])
            offset += chunk
            var actions = session.receive(piece)
            // Each started command prints, then ends; every third one fails to
            // start instead. Stdin is taken by the command at once. File
            // requests are answered at once, or fail, by their id.
            while !actions.isEmpty {
                let action = actions.removeFirst()
                switch action {
                case .writeStdin(let id, let data):
                    actions += session.stdinTaken(id: id, count: data.count)
                case .transfer(.perform(let id, let request)):
                    actions += answer(&session, id, request, piece, into: &output)
                case .transfer(.write(let id, let data)):
                    actions += session.uploadWritten(id: id, count: data.count)
                case .transfer(.commit(let id, _)):
                    actions += id % 2 == 0 ? session.transferReplied(id: id, .done(skipped: 0))
                                           : session.transferFailed(ProtocolError(.hashMismatch, "check", id: id))
                default:
                    break
                }
                guard case .start(let request) = action else { continue }
                if request.id % 3 == 0 {
                    actions += session.startFailed(ProtocolError(.spawnFailed, "check", id: request.id))
                    continue
                }
                running.append(request.id)
                piece.withUnsafeBytes { _ = session.output(id: request.id, .stdout, $0, into: &output) }
            }
            precondition(session.runningCommandIDs.count <= maxExecs, "more commands than max-execs")
            if running.count > 1 {
                let id = running.removeFirst()
                _ = session.finished(id: id, CommandOutcome(status: .exited(0), duration: .milliseconds(1)))
            }
        }
        _ = session.connectionLost()
        precondition(session.phase == .closed)
        precondition(!session.hasTransfers, "a file request outlived its connection")
    }

    /// A driver's answer to a file request; every fifth fails instead.
    private static func answer(_ session: inout ServerSession, _ id: Int64, _ request: FileRequest, _ content: [UInt8],
                               into output: inout [UInt8]) -> [ServerSession.Action] {
        if id % 5 == 0 { return session.transferFailed(ProtocolError(.noSuchFile, "check", id: id)) }
        let file = FileInfo(kind: .regular, size: Int64(content.count), permissions: 0o644, modified: FileTime(seconds: 0))
        switch request {
        case .stat:
            return session.transferReplied(id: id, .info(file))
        case .list:
            return session.transferReplied(id: id, .entry(name: "check", file)) + session.transferReplied(id: id, .done(skipped: 1))
        case .makeDirectory, .makeSymbolicLink, .setAttributes:
            return session.transferReplied(id: id, .done(skipped: 0))
        case .upload:
            return []
        case .download:
            var actions = session.transferReplied(id: id, .info(file))
            content.withUnsafeBytes { session.downloadData(id: id, $0, into: &output) }
            actions += session.transferReplied(id: id, .end(sha256: [UInt8](repeating: 0, count: 32)))
            return actions
        }
    }
}
