/// The server's answer to a file request (PROTOCOL.md, section 11), part by
/// part. A request's last frame is `done`, `file_end` (a download), or an
/// `error` with its id.
public enum FileReply: Hashable, Sendable {
    /// `file_info`: what `stat` found, or the file a download is about to send.
    case info(FileInfo)
    /// `entry`: one name in a listed directory, with what it is.
    case entry(name: String, FileInfo)
    /// `file_data`: the next bytes of a download.
    case data([UInt8])
    /// `file_end`: a download's last frame, with the SHA-256 of every byte sent.
    case end(sha256: [UInt8])
    /// `done`: the request is complete. For `list`, `skipped` counts the
    /// names it could not send (not UTF-8, so no JSON string holds them).
    case done(skipped: Int64)

    /// The frame types that carry a file reply.
    static let types: Set<String> = ["file_info", "entry", "file_data", "file_end", "done"]

    init(_ fields: FieldReader) throws(ProtocolError) {
        switch fields.frame.type {
        case "file_info":
            try fields.requireEmptyBody()
            self = .info(try FileInfo(fields))
        case "entry":
            try fields.requireEmptyBody()
            let name = try fields.requiredString("name")
            guard !name.isEmpty, name != ".", name != "..", !name.contains("/") else {
                throw fields.fail("\"name\" must be one name in the directory, not \"\(name)\"")
            }
            self = .entry(name: name, try FileInfo(fields))
        case "file_data":
            self = .data(fields.frame.body)
        case "file_end":
            try fields.requireEmptyBody()
            self = .end(sha256: try fields.requiredBytes("sha256", count: FileReply.digestLength))
        case "done":
            try fields.requireEmptyBody()
            self = .done(skipped: try fields.optionalInteger("skipped", in: 0...Int64.max) ?? 0)
        default:
            preconditionFailure("not a file reply: \(fields.frame.type)")
        }
    }

    func append(id: Int64, to output: inout [UInt8]) {
        let identity: [(String, JSONValue)] = [("id", .integer(id))]
        switch self {
        case .info(let info):
            FrameEncoder.append(type: "file_info", identity + info.members, to: &output)
        case .entry(let name, let info):
            FrameEncoder.append(type: "entry", identity + [("name", .string(name))] + info.members, to: &output)
        case .data(let bytes):
            bytes.withUnsafeBytes { Self.appendData(id: id, $0, to: &output) }
        case .end(let digest):
            FrameEncoder.append(type: "file_end", identity + [("sha256", .string(Hex.encode(digest)))], to: &output)
        case .done(let skipped):
            FrameEncoder.append(type: "done", identity + (skipped > 0 ? [("skipped", .integer(skipped))] : []), to: &output)
        }
    }

    /// One `file_data` frame straight from a read buffer (both directions use it).
    public static func appendData(id: Int64, _ bytes: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        FrameEncoder.append(type: "file_data", [("id", .integer(id))], body: bytes, to: &output)
    }

    /// A SHA-256 digest, in bytes.
    public static let digestLength = 32
}
