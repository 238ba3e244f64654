import RSHProtocol
import RSHSystem

extension FileInfo {
    /// What `status` says, as the protocol says it; `linkTarget` for a symbolic link.
    init(_ status: FileStatus, linkTarget: String? = nil) {
        let kind: Kind
        if status.isRegularFile {
            kind = .regular
        } else if status.isDirectory {
            kind = .directory
        } else if status.isSymbolicLink {
            kind = .symbolicLink
        } else {
            kind = .other
        }
        self.init(kind: kind, size: status.size, permissions: status.permissions & FileInfo.maxPermissions,
                  modified: FileTime(nanosecondsSinceEpoch: status.modificationTime),
                  linkTarget: kind == .symbolicLink ? linkTarget ?? "" : nil)
    }

    /// What `other` is, for messages: "a directory", "a FIFO", ...
    static func describe(_ status: FileStatus) -> String {
        if status.isDirectory { return "a directory" }
        if status.isSocket { return "a socket" }
        if status.isFIFO { return "a FIFO" }
        if status.isDevice { return "a device" }
        return "not a regular file"
    }
}

extension FileTime {
    /// Nanoseconds since the epoch, as `FileStatus` keeps them, split into
    /// whole seconds (rounded down, for times before 1970 too) and the rest.
    init(nanosecondsSinceEpoch value: Int64) {
        let (seconds, rest) = value.quotientAndRemainder(dividingBy: 1_000_000_000)
        self = rest < 0 ? FileTime(seconds: seconds - 1, nanoseconds: Int32(rest + 1_000_000_000))
                        : FileTime(seconds: seconds, nanoseconds: Int32(rest))
    }
}
