/// A frame from client to server, typed. JSON stays at the edge: the session
/// and drivers only ever see these values.
public enum ClientMessage: Hashable, Sendable {
    /// `stdinWindow`: the client keeps to a stdin window if the server gives one.
    case hello(version: Int64, client: String?, stdinWindow: Bool = false)
    case exec(ExecRequest)
    case stdin(id: Int64, data: [UInt8])
    case eof(id: Int64)
    case signal(id: Int64, Signal)
    /// The window of the command's terminal changed size.
    case resize(id: Int64, WindowSize)
    case ping
    /// A request about the server's files (section 11).
    case file(id: Int64, FileRequest)
    /// The next bytes of an upload.
    case fileData(id: Int64, data: [UInt8])
    /// An upload's last frame: the SHA-256 of every byte sent.
    case fileEnd(id: Int64, sha256: [UInt8])

    /// Decodes a frame. An unknown `type` is `unknown_type`; a known type with
    /// bad fields is `bad_request`, naming the request's `id` when it has a valid one.
    public init(_ frame: Frame) throws(ProtocolError) {
        var fields = FieldReader(frame)
        switch frame.type {
        case "hello":
            try fields.requireEmptyBody()
            self = .hello(version: try fields.requiredInteger("version"), client: try fields.optionalString("client"),
                          stdinWindow: try fields.optionalBool("stdin_window") ?? false)
        case "exec":
            fields.id = try fields.requiredInteger("id")
            self = .exec(try Self.execRequest(fields))
        case "stdin":
            self = .stdin(id: try fields.requiredInteger("id"), data: frame.body)
        case "eof":
            fields.id = try fields.requiredInteger("id")
            try fields.requireEmptyBody()
            self = .eof(id: fields.id!)
        case "signal":
            fields.id = try fields.requiredInteger("id")
            try fields.requireEmptyBody()
            let name = try fields.requiredString("signal")
            // Exactly the names of section 4: no "SIG" prefix, no numbers.
            guard let signal = Signal.requestable.first(where: { $0.name == name }) else {
                throw fields.fail("unknown signal \"\(name)\"; expected one of \(Signal.requestable.map(\.name).joined(separator: " "))")
            }
            self = .signal(id: fields.id!, signal)
        case "resize":
            fields.id = try fields.requiredInteger("id")
            try fields.requireEmptyBody()
            self = .resize(id: fields.id!, try WindowSize(fields))
        case "ping":
            try fields.requireEmptyBody()
            self = .ping
        case let type where FileRequest.types.contains(type):
            fields.id = try fields.requiredInteger("id")
            self = .file(id: fields.id!, try FileRequest(fields))
        case "file_data":
            self = .fileData(id: try fields.requiredInteger("id"), data: frame.body)
        case "file_end":
            fields.id = try fields.requiredInteger("id")
            try fields.requireEmptyBody()
            self = .fileEnd(id: fields.id!, sha256: try fields.requiredBytes("sha256", count: FileReply.digestLength))
        default:
            throw ProtocolError(.unknownType, "unknown frame type \"\(frame.type)\"")
        }
    }

    private static func execRequest(_ fields: FieldReader) throws(ProtocolError) -> ExecRequest {
        try fields.requireEmptyBody()
        let command: ExecRequest.Command
        switch (try fields.optionalString("cmd"), try fields.optionalStringArray("argv"), try fields.optionalBool("login_shell") ?? false) {
        case (let text?, nil, false): command = .shell(text)
        case (nil, let words?, false):
            guard !words.isEmpty, !words[0].isEmpty else { throw fields.fail("\"argv\" needs a program name") }
            command = .argv(words)
        case (nil, nil, true): command = .loginShell
        case (nil, nil, false): throw fields.fail("needs \"cmd\", \"argv\" or \"login_shell\"")
        default: throw fields.fail("takes one of \"cmd\", \"argv\" and \"login_shell\"")
        }
        let environment = try fields.optionalStringMap("env") ?? [:]
        for name in environment.keys where name.isEmpty || name.contains("=") {
            throw fields.fail("environment variable name \"\(name)\" is empty or contains '='")
        }
        let directory = try fields.optionalString("cwd")
        if directory?.isEmpty == true { throw fields.fail("\"cwd\" is empty") }
        let timeout = try fields.optionalInteger("timeout_ms")
        if let timeout, timeout <= 0 { throw fields.fail("\"timeout_ms\" must be positive") }
        let terminal = try fields.optionalObject("pty").map { (pty) throws(ProtocolError) in try TerminalRequest(pty) }
        return ExecRequest(id: fields.id!, command: command, environment: environment, workingDirectory: directory,
                           timeoutMilliseconds: timeout, wantsStdin: try fields.optionalBool("stdin") ?? false, terminal: terminal)
    }

    /// Appends this message as a frame.
    public func append(to output: inout [UInt8]) {
        switch self {
        case .hello(let version, let client, let stdinWindow):
            var members: [(String, JSONValue)] = [("version", .integer(version))]
            if let client { members.append(("client", .string(client))) }
            if stdinWindow { members.append(("stdin_window", .bool(true))) }
            FrameEncoder.append(type: "hello", members, to: &output)
        case .exec(let request):
            var members: [(String, JSONValue)] = [("id", .integer(request.id))]
            switch request.command {
            case .shell(let text): members.append(("cmd", .string(text)))
            case .argv(let words): members.append(("argv", .array(words.map { .string($0) })))
            case .loginShell: members.append(("login_shell", .bool(true)))
            }
            if !request.environment.isEmpty {
                members.append(("env", .object(request.environment.mapValues { .string($0) })))
            }
            if let directory = request.workingDirectory { members.append(("cwd", .string(directory))) }
            if let timeout = request.timeoutMilliseconds { members.append(("timeout_ms", .integer(timeout))) }
            if request.wantsStdin { members.append(("stdin", .bool(true))) }
            if let terminal = request.terminal { members.append(("pty", terminal.json)) }
            FrameEncoder.append(type: "exec", members, to: &output)
        case .stdin(let id, let data):
            FrameEncoder.append(type: "stdin", [("id", .integer(id))], body: data, to: &output)
        case .eof(let id):
            FrameEncoder.append(type: "eof", [("id", .integer(id))], to: &output)
        case .signal(let id, let signal):
            FrameEncoder.append(type: "signal", [("id", .integer(id)), ("signal", .string(signal.name))], to: &output)
        case .resize(let id, let size):
            FrameEncoder.append(type: "resize", [("id", .integer(id))] + size.members, to: &output)
        case .ping:
            FrameEncoder.append(type: "ping", [], to: &output)
        case .file(let id, let request):
            request.append(id: id, to: &output)
        case .fileData(let id, let data):
            data.withUnsafeBytes { FileReply.appendData(id: id, $0, to: &output) }
        case .fileEnd(let id, let digest):
            FrameEncoder.append(type: "file_end", [("id", .integer(id)), ("sha256", .string(Hex.encode(digest)))], to: &output)
        }
    }

    public var encoded: [UInt8] {
        var output: [UInt8] = []
        append(to: &output)
        return output
    }
}
