/// The `code` of an `error` frame. proto/PROTOCOL.md lists when each is sent.
public enum ErrorCode: String, CaseIterable, Hashable, Sendable {
    // Connection errors: sent without an `id`, then the server closes.
    /// The length prefix, the header JSON or `total_size` is invalid.
    case badFrame = "bad_frame"
    /// The first four bytes started with 0x00 but were not "\0RSH".
    case badPreface = "bad_preface"
    /// A frame `type` this side does not know.
    case unknownType = "unknown_type"
    /// The client's `hello` asked for a version other than 1.
    case unsupportedVersion = "unsupported_version"
    /// A frame other than `hello` arrived before `hello`.
    case helloRequired = "hello_required"
    /// The client did not finish its handshake within the deadline.
    case handshakeTimeout = "handshake_timeout"
    /// A frame that had begun was not complete within the deadline.
    case frameTimeout = "frame_timeout"
    /// The server is at its connection limit.
    case busy = "busy"
    /// The server is shutting down and runs no new commands.
    case shuttingDown = "shutting_down"
    /// The peer is a user this server does not serve (it serves only its own user and root).
    case forbidden = "forbidden"
    /// The server authenticates its clients, and this connection is not TLS.
    case tlsRequired = "tls_required"
    /// The client sent a command more stdin than its window allows.
    case stdinWindowExceeded = "stdin_window_exceeded"

    // Request errors: sent with the `id` of the request; the connection goes on.
    // `bad_request` without an `id` is a request so malformed it names no command.
    /// A field is missing, has the wrong type, or an impossible value.
    case badRequest = "bad_request"
    /// An `exec` reused the `id` of a command still in flight.
    case duplicateID = "duplicate_id"
    /// More commands in flight on this connection than the server allows.
    case tooManyExecs = "too_many_execs"
    /// The `cwd` of an `exec` does not exist or is not a directory.
    case badCwd = "bad_cwd"
    /// The command could not be started for lack of resources (processes, descriptors, memory).
    case spawnFailed = "spawn_failed"

    // File request errors (section 11): sent with the request's `id`.
    /// The path, or a directory on the way to it, does not exist.
    case noSuchFile = "no_such_file"
    /// A directory was needed and something else is there (on the way to the path, or at it).
    case notDirectory = "not_directory"
    /// A file was needed and the path is a directory.
    case isDirectory = "is_directory"
    /// A download of a FIFO, a socket or a device: refused, never opened.
    case notRegularFile = "not_regular_file"
    /// The server's user may not do this (a read-only directory or file system included).
    case permissionDenied = "permission_denied"
    /// The file system is full, or the user's quota is.
    case noSpace = "no_space"
    /// An upload's data did not add up to the `size` it announced.
    case sizeMismatch = "size_mismatch"
    /// An upload's data does not have the SHA-256 its `file_end` gave.
    case hashMismatch = "hash_mismatch"
    /// Any other failure of the file system (an I/O error, a name too long, ...); `message` says which.
    case fileFailed = "file_failed"
}
