import CRSHSystem
import Glibc

extension FileDescriptor {
    /// What `open(2)` opens a file for (`O_RDONLY`, `O_WRONLY`, `O_RDWR`).
    public enum AccessMode: Hashable, Sendable {
        case readOnly
        case writeOnly
        case readWrite

        var rawValue: Int32 {
            switch self {
            case .readOnly: return O_RDONLY
            case .writeOnly: return O_WRONLY
            case .readWrite: return O_RDWR
            }
        }
    }

    /// The flags of `open(2)` besides the access mode. `O_CLOEXEC` is not
    /// among them: every descriptor is opened close-on-exec.
    public struct OpenOptions: OptionSet, Hashable, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// `O_CREAT`: create the file if it does not exist.
        public static let create = OpenOptions(rawValue: O_CREAT)
        /// `O_TRUNC`: empty the file if it exists.
        public static let truncate = OpenOptions(rawValue: O_TRUNC)
        /// `O_EXCL`: with `create`, fail with `fileExists` if the file exists.
        public static let exclusive = OpenOptions(rawValue: O_EXCL)
        /// `O_NOFOLLOW`: fail with `tooManySymbolicLinks` if the last component is a symbolic link.
        public static let noFollow = OpenOptions(rawValue: O_NOFOLLOW)
        /// `O_NONBLOCK`: opening a FIFO does not wait for a writer (fifo(7)).
        public static let nonBlocking = OpenOptions(rawValue: O_NONBLOCK)
        /// `O_NOCTTY`: opening a terminal does not make it the controlling one.
        public static let noControllingTerminal = OpenOptions(rawValue: O_NOCTTY)
        /// `O_DIRECTORY`: fail with `notDirectory` unless the path is a directory.
        public static let directory = OpenOptions(rawValue: O_DIRECTORY)
    }

    /// Opens `path` close-on-exec (`open(2)`); `permissions` are the mode of a created file.
    public static func open(_ path: String, _ access: AccessMode, options: OpenOptions = [],
                            permissions: mode_t = 0) throws(Errno) -> FileDescriptor {
        try open(path, flags: access.rawValue | options.rawValue, permissions: permissions)
    }

    /// Opens a directory for `fchdir`, without reading it (`O_PATH | O_DIRECTORY`).
    public static func openDirectory(_ path: String) throws(Errno) -> FileDescriptor {
        try open(path, flags: crsh_O_PATH | O_DIRECTORY)
    }

    /// Whether this process may search the directory, and so enter it
    /// (`faccessat(2)` of "." in it, with the effective IDs, as `fchdir` checks).
    public var permitsSearch: Bool {
        faccessat(rawValue, ".", X_OK, AT_EACCESS) == 0
    }

    private static func open(_ path: String, flags: Int32, permissions: mode_t = 0) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try retryingInterrupts { Glibc.open(path, flags | O_CLOEXEC, permissions) })
    }
}
