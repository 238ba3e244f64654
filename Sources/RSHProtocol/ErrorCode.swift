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
}
