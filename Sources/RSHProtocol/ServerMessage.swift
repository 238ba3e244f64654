
/// A frame from server to client, typed.
public enum ServerMessage: Hashable, Sendable {
    case hello(ServerHello)
    case output(id: Int64, OutputKind, [UInt8])
    /// The command has taken `bytes` more bytes of its stdin: the client may send that many more.
    case stdinAck(id: Int64, bytes: Int64)
    case exit(ExitReport)
    case error(ProtocolError)
    case pong
    /// A part of the answer to a file request (section 11).
    case file(id: Int64, FileReply)
    /// The server has written `bytes` more bytes of an upload: the client may send that many more.
    case fileAck(id: Int64, bytes: Int64)

    public init(_ frame: Frame) throws(ProtocolError) {
        let fields = FieldReader(frame)
        switch frame.type {
        case "hello":
            try fields.requireEmptyBody()
            let stdinWindow = try fields.optionalInteger("stdin_window")
            if let stdinWindow, stdinWindow < 1 { throw fields.fail("\"stdin_window\" must be positive") }
            let uploadWindow = try fields.optionalInteger("upload_window")
            if let uploadWindow, uploadWindow < 1 { throw fields.fail("\"upload_window\" must be positive") }
            var hello = ServerHello(version: try fields.requiredInteger("version"),
                                    server: try fields.optionalString("server") ?? "",
                                    mode: try fields.optionalString("mode") ?? "", auth: try fields.optionalString("auth") ?? "none",
                                    stdinWindow: stdinWindow)
            hello.uploadWindow = uploadWindow
            self = .hello(hello)
        case "stdout", "stderr":
            self = .output(id: try fields.requiredInteger("id"), OutputKind(rawValue: frame.type)!, frame.body)
        case "stdin_ack":
            try fields.requireEmptyBody()
            let bytes = try fields.requiredInteger("bytes")
            guard bytes >= 1 else { throw fields.fail("\"bytes\" must be positive") }
            self = .stdinAck(id: try fields.requiredInteger("id"), bytes: bytes)
        case "exit":
            try fields.requireEmptyBody()
            let status: ExitStatus
            switch (try fields.optionalInteger("code"), try fields.optionalString("signal")) {
            case (let code?, nil):
                guard ExitReport.codes.contains(code) else { throw fields.fail("\"code\" \(code) is outside \(ExitReport.codes)") }
                status = .exited(Int32(code))
            case (nil, let name?):
                guard let signal = Signal(name: name) else { throw fields.fail("unknown signal \"\(name)\"") }
                status = .signaled(signal)
            default:
                throw fields.fail("needs exactly one of \"code\" and \"signal\"")
            }
            let milliseconds = try fields.optionalInteger("duration_ms") ?? 0
            self = .exit(ExitReport(id: try fields.requiredInteger("id"),
                                    CommandOutcome(status: status, timedOut: try fields.optionalBool("timed_out") ?? false,
                                                   duration: .milliseconds(milliseconds))))
        case "error":
            let name = try fields.requiredString("code")
            // A code this client does not know is still an error; keep its text.
            let code = ErrorCode(rawValue: name) ?? .badRequest
            let message = try fields.optionalString("message") ?? name
            self = .error(ProtocolError(code, code.rawValue == name ? message : "\(name): \(message)",
                                        id: try fields.optionalInteger("id")))
        case "pong":
            self = .pong
        case let type where FileReply.types.contains(type):
            self = .file(id: try fields.requiredInteger("id"), try FileReply(fields))
        case "file_ack":
            try fields.requireEmptyBody()
            let bytes = try fields.requiredInteger("bytes")
            guard bytes >= 1 else { throw fields.fail("\"bytes\" must be positive") }
            self = .fileAck(id: try fields.requiredInteger("id"), bytes: bytes)
        default:
            throw ProtocolError(.unknownType, "unknown frame type \"\(frame.type)\"")
        }
    }

    public func append(to output: inout [UInt8]) {
        switch self {
        case .hello(let hello):
            var members: [(String, JSONValue)] = [("version", .integer(hello.version)), ("server", .string(hello.server)),
                                                  ("mode", .string(hello.mode)), ("auth", .string(hello.auth))]
            if let window = hello.stdinWindow { members.append(("stdin_window", .integer(window))) }
            if let window = hello.uploadWindow { members.append(("upload_window", .integer(window))) }
            FrameEncoder.append(type: "hello", members, to: &output)
        case .output(let id, let kind, let data):
            data.withUnsafeBytes { Self.appendOutput(id: id, kind, $0, to: &output) }
        case .stdinAck(let id, let bytes):
            FrameEncoder.append(type: "stdin_ack", [("id", .integer(id)), ("bytes", .integer(bytes))], to: &output)
        case .exit(let report):
            FrameEncoder.append(type: "exit", [
                ("id", .integer(report.id)),
                ("code", report.outcome.status.code.map { .integer(Int64($0)) } ?? .null),
                ("signal", report.outcome.status.signal.map { .string($0.name) } ?? .null),
                ("timed_out", .bool(report.outcome.timedOut)),
                ("duration_ms", .integer(report.outcome.durationMilliseconds)),
            ], to: &output)
        case .error(let error):
            var members: [(String, JSONValue)] = [("code", .string(error.code.rawValue)), ("message", .string(error.message))]
            if let id = error.id { members.append(("id", .integer(id))) }
            FrameEncoder.append(type: "error", members, to: &output)
        case .pong:
            FrameEncoder.append(type: "pong", [], to: &output)
        case .file(let id, let reply):
            reply.append(id: id, to: &output)
        case .fileAck(let id, let bytes):
            FrameEncoder.append(type: "file_ack", [("id", .integer(id)), ("bytes", .integer(bytes))], to: &output)
        }
    }

    /// The hot path: one `stdout`/`stderr` frame straight from a read buffer.
    public static func appendOutput(id: Int64, _ kind: OutputKind, _ data: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        FrameEncoder.append(type: kind.rawValue, [("id", .integer(id))], body: data, to: &output)
    }

    public var encoded: [UInt8] {
        var output: [UInt8] = []
        append(to: &output)
        return output
    }
}
