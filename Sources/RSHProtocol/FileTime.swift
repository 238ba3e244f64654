/// A file's modification time as `struct timespec` holds it (stat(2),
/// `st_mtim`): whole seconds since the epoch, and the nanoseconds within the
/// second. On the wire, `mtime` and `mtime_ns`.
public struct FileTime: Hashable, Sendable, Comparable {
    public var seconds: Int64
    /// 0 ... 999,999,999.
    public var nanoseconds: Int32

    public init(seconds: Int64, nanoseconds: Int32 = 0) {
        precondition((0..<1_000_000_000).contains(nanoseconds), "nanoseconds outside one second")
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    public static func < (lhs: FileTime, rhs: FileTime) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }

    /// `mtime` (optional) and `mtime_ns` (optional, only with `mtime`).
    init?(_ fields: FieldReader) throws(ProtocolError) {
        guard let seconds = try fields.optionalInteger("mtime") else {
            if try fields.optionalInteger("mtime_ns") != nil { throw fields.fail("\"mtime_ns\" without \"mtime\"") }
            return nil
        }
        self.seconds = seconds
        nanoseconds = Int32(try fields.optionalInteger("mtime_ns", in: 0...999_999_999) ?? 0)
    }

    /// `mtime`, and `mtime_ns` when it is not 0.
    var members: [(String, JSONValue)] {
        var members: [(String, JSONValue)] = [("mtime", .integer(seconds))]
        if nanoseconds != 0 { members.append(("mtime_ns", .integer(Int64(nanoseconds)))) }
        return members
    }
}
