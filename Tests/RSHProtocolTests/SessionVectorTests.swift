import RSHProtocol
import Testing

/// Describes session actions in the vocabulary of proto/vectors/sessions.json.
func summarize(_ actions: [ServerSession.Action]) -> [SessionVector.ExpectedAction] {
    actions.compactMap { action in
        var summary = SessionVector.ExpectedAction()
        switch action {
        case .send(let bytes):
            var decoder = FrameDecoder()
            decoder.feed(bytes)
            guard let frame = try? decoder.next() else { summary.send = "undecodable"; return summary }
            summary.send = frame.type
            if frame.type == "error" {
                summary.code = frame["code"]?.stringValue
                summary.id = frame["id"]?.integerValue
            }
        case .start(let request): summary.start = request.id
        case .close: summary.close = true
        case .terminate(let id): summary.terminate = id
        case .signal(let id, let signal): summary.signal = id; summary.name = signal.name
        case .writeStdin(let id, let data): summary.stdin = id; summary.data = data.map { String(format2: $0) }.joined()
        case .closeStdin(let id): summary.eof = id
        case .resize(let id, let size): summary.resize = id; summary.rows = Int(size.rows); summary.cols = Int(size.columns)
        case .transfer(.perform(let id, let request)): summary.perform = id; summary.request = request.type
        case .transfer(.write(let id, let data)): summary.write = id; summary.data = data.map { String(format2: $0) }.joined()
        case .transfer(.commit(let id, let digest)): summary.commit = id; summary.sha256 = Hex.encode(digest)
        case .transfer(.abort(let id)): summary.abort = id
        case .finished, .warning, .transfer(.finished): return nil
        }
        return summary
    }
}

extension String {
    init(format2 byte: UInt8) {
        let hex = String(byte, radix: 16)
        self = hex.count == 1 ? "0" + hex : hex
    }
}

func configuration(maxExecs: Int = 16) -> ServerSession.Configuration {
    ServerSession.Configuration(serverName: "rshd/test", mode: "test", maxExecs: maxExecs)
}

@Suite("Session vectors")
struct SessionVectorTests {
    @Test("answer as the vector says, whole", arguments: VectorFiles.sessions)
    func whole(_ vector: SessionVector) {
        var session = ServerSession(vector.configuration)
        #expect(summarize(session.receive(vector.bytes)) == vector.expect)
    }

    @Test("answer the same, one byte at a time", arguments: VectorFiles.sessions)
    func byteByByte(_ vector: SessionVector) {
        var session = ServerSession(vector.configuration)
        var actions: [ServerSession.Action] = []
        for byte in vector.bytes { actions += session.receive([byte]) }
        #expect(summarize(actions) == vector.expect)
    }

    @Test("answer the same when the session lends its reads, in reads of 1 to 7 bytes", arguments: VectorFiles.sessions)
    func lentReads(_ vector: SessionVector) {
        var session = ServerSession(vector.configuration)
        var actions: [ServerSession.Action] = []
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 16)
        defer { scratch.deallocate() }
        var reads = ScriptedReads(vector.bytes, seed: UInt64(vector.name.utf8.count), largestRead: 7)
        while !reads.isDrained {
            actions += session.receive(scratch: scratch) { reads.read(into: $0) }.actions
        }
        #expect(summarize(actions) == vector.expect)
    }
}

@Suite("Error codes")
struct ErrorCoverageTests {
    /// Codes produced in the sans-IO tests of ServerSessionTests and AdmissionTests rather than by a vector.
    /// The file errors other than the size's come from the driver's file work (RSHFilesTests, FileRequestTests).
    static let reachedBySessionEvents: Set<ErrorCode> = [.badCwd, .spawnFailed, .shuttingDown, .handshakeTimeout, .busy,
                                                         .forbidden, .tlsRequired, .frameTimeout,
                                                         .noSuchFile, .notDirectory, .isDirectory, .notRegularFile,
                                                         .permissionDenied, .noSpace, .hashMismatch, .fileFailed]

    @Test("every error code is reached by a vector or a session test")
    func everyCodeReached() {
        var reached = Set(VectorFiles.invalid.compactMap { ErrorCode(rawValue: $0.error) })
        for vector in VectorFiles.sessions {
            for action in vector.expect { if let code = action.code.flatMap(ErrorCode.init) { reached.insert(code) } }
        }
        reached.formUnion(Self.reachedBySessionEvents)
        #expect(reached == Set(ErrorCode.allCases), "not reached: \(Set(ErrorCode.allCases).subtracting(reached))")
    }
}
