/// A request about the server's files (PROTOCOL.md, section 11), each with
/// the `id` of its frame. A relative `path` is relative to the home
/// directory of the server's user, as with scp.
public enum FileRequest: Hashable, Sendable {
    /// What `path` is, following symbolic links: answered with `file_info`.
    case stat(path: String)
    /// The entries of a directory, each with what it is (links not followed):
    /// `entry` frames, then `done`.
    case list(path: String)
    /// Creates a directory, or finds one already there: `done`.
    case makeDirectory(path: String, permissions: UInt32)
    /// Puts a symbolic link at `path`, replacing what is there unless it is a directory: `done`.
    case makeSymbolicLink(path: String, target: String)
    /// Sets the mode, the modification time or both of what `path` names: `done`.
    case setAttributes(path: String, permissions: UInt32?, modified: FileTime?)
    /// A file of `size` bytes follows in `file_data` frames, then `file_end`
    /// with its SHA-256; it replaces `path` once it has arrived whole and
    /// checked out: `done`.
    case upload(path: String, size: Int64, permissions: UInt32, modified: FileTime?)
    /// The regular file at `path`: `file_info`, `file_data` frames, then `file_end`.
    case download(path: String)

    /// The frame types that carry a file request.
    static let types: Set<String> = ["stat", "list", "mkdir", "symlink", "set_attributes", "upload", "download"]

    public var type: String {
        switch self {
        case .stat: return "stat"
        case .list: return "list"
        case .makeDirectory: return "mkdir"
        case .makeSymbolicLink: return "symlink"
        case .setAttributes: return "set_attributes"
        case .upload: return "upload"
        case .download: return "download"
        }
    }

    public var path: String {
        switch self {
        case .stat(let path), .list(let path), .makeDirectory(let path, _), .makeSymbolicLink(let path, _),
             .setAttributes(let path, _, _), .upload(let path, _, _, _), .download(let path):
            return path
        }
    }

    /// Whether file content moves (an upload or a download), rather than a name or a status.
    public var movesContent: Bool {
        switch self {
        case .upload, .download: return true
        default: return false
        }
    }

    /// Decodes the request of a frame whose type is in `types`; `fields.id` is already read.
    init(_ fields: FieldReader) throws(ProtocolError) {
        try fields.requireEmptyBody()
        let path = try fields.requiredString("path")
        guard !path.isEmpty else { throw fields.fail("\"path\" is empty") }
        func permissions() throws(ProtocolError) -> UInt32? {
            try fields.optionalInteger("mode", in: FileInfo.permissionRange).map { UInt32($0) }
        }
        func requiredPermissions() throws(ProtocolError) -> UInt32 {
            guard let value = try permissions() else { throw fields.fail("missing integer \"mode\"") }
            return value
        }
        switch fields.frame.type {
        case "stat": self = .stat(path: path)
        case "list": self = .list(path: path)
        case "mkdir": self = .makeDirectory(path: path, permissions: try requiredPermissions())
        case "symlink":
            let target = try fields.requiredString("target")
            guard !target.isEmpty else { throw fields.fail("\"target\" is empty") }
            self = .makeSymbolicLink(path: path, target: target)
        case "set_attributes":
            let mode = try permissions()
            let modified = try FileTime(fields)
            guard mode != nil || modified != nil else { throw fields.fail("needs \"mode\", \"mtime\" or both") }
            self = .setAttributes(path: path, permissions: mode, modified: modified)
        case "upload":
            self = .upload(path: path, size: try fields.requiredInteger("size", in: 0...Int64.max),
                           permissions: try requiredPermissions(), modified: try FileTime(fields))
        case "download": self = .download(path: path)
        default: preconditionFailure("not a file request: \(fields.frame.type)")
        }
    }

    func append(id: Int64, to output: inout [UInt8]) {
        var members: [(String, JSONValue)] = [("id", .integer(id)), ("path", .string(path))]
        switch self {
        case .stat, .list, .download:
            break
        case .makeDirectory(_, let permissions):
            members.append(("mode", .integer(Int64(permissions))))
        case .makeSymbolicLink(_, let target):
            members.append(("target", .string(target)))
        case .setAttributes(_, let permissions, let modified):
            if let permissions { members.append(("mode", .integer(Int64(permissions)))) }
            if let modified { members += modified.members }
        case .upload(_, let size, let permissions, let modified):
            members += [("size", .integer(size)), ("mode", .integer(Int64(permissions)))]
            if let modified { members += modified.members }
        }
        FrameEncoder.append(type: type, members, to: &output)
    }
}
