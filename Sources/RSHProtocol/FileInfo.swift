/// What a `stat`, a `list` entry or a download says about a file: `kind`,
/// `size`, `mode`, `mtime` (and `mtime_ns`), and a symbolic link's `target`.
public struct FileInfo: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case regular = "file"
        case directory = "directory"
        case symbolicLink = "symlink"
        /// A FIFO, a socket or a device: never opened, never copied.
        case other = "other"
    }

    public var kind: Kind
    /// In bytes; for a symbolic link, the length of its target.
    public var size: Int64
    /// The permission bits, `st_mode & 0o7777`.
    public var permissions: UInt32
    public var modified: FileTime
    /// What a symbolic link points to, as readlink(2) gives it; `nil` for other kinds.
    public var linkTarget: String?

    public init(kind: Kind, size: Int64, permissions: UInt32, modified: FileTime, linkTarget: String? = nil) {
        precondition(size >= 0 && permissions <= FileInfo.maxPermissions, "impossible file status")
        self.kind = kind
        self.size = size
        self.permissions = permissions
        self.modified = modified
        self.linkTarget = linkTarget
    }

    /// The largest `mode` on the wire: the permission bits with set-user-ID,
    /// set-group-ID and sticky, nothing of the file's type.
    public static let maxPermissions: UInt32 = 0o7777
    static let permissionRange: ClosedRange<Int64> = 0...Int64(maxPermissions)

    init(_ fields: FieldReader) throws(ProtocolError) {
        let name = try fields.requiredString("kind")
        guard let kind = Kind(rawValue: name) else {
            throw fields.fail("unknown kind \"\(name)\"; expected one of \(Kind.allCases.map(\.rawValue).joined(separator: " "))")
        }
        self.kind = kind
        size = try fields.requiredInteger("size", in: 0...Int64.max)
        permissions = UInt32(try fields.requiredInteger("mode", in: Self.permissionRange))
        guard let modified = try FileTime(fields) else { throw fields.fail("missing integer \"mtime\"") }
        self.modified = modified
        linkTarget = try fields.optionalString("target")
        if (kind == .symbolicLink) != (linkTarget != nil) { throw fields.fail("\"target\" goes with kind \"symlink\", and only with it") }
    }

    var members: [(String, JSONValue)] {
        var members: [(String, JSONValue)] = [("kind", .string(kind.rawValue)), ("size", .integer(size)),
                                              ("mode", .integer(Int64(permissions)))]
        members += modified.members
        if let linkTarget { members.append(("target", .string(linkTarget))) }
        return members
    }
}
