/// Every fixed limit of the protocol, in one place. Limits a user may want to
/// change are also flags of `rshd` (see SECURITY.md for the full table).
public enum Limits {
    /// The largest header a frame may announce, in bytes.
    public static let maxHeaderLength = 65_536
    /// The largest `total_size` a v1 frame may announce, in bytes.
    public static let maxBodySize = 1_048_576
    /// The deepest nesting a header's JSON may have (the header object is depth 1).
    public static let maxJSONDepth = 8
    /// The bytes a v1 client sends before anything else: "\0RSH".
    public static let preface: [UInt8] = [0x00, 0x52, 0x53, 0x48]
    /// The protocol version this implementation speaks.
    public static let protocolVersion = 1

    /// The shortest pre-shared key accepted, in bytes.
    public static let minimumKeyLength = 16

    /// The largest body the server puts in one `stdout`/`stderr` frame.
    public static let outputChunkSize = 65_536
    /// The most bytes read from a socket at once; also the most a classic
    /// command may be, since one read is one classic command.
    public static let readChunkSize = 65_536
    /// The stdin window rshd gives each command of a client that asks for one:
    /// the most stdin bytes the client may have sent for that command that the
    /// command has not yet taken (PROTOCOL.md, "Stdin flow control").
    public static let defaultStdinWindow = 262_144
    /// The window rshd gives each upload of such a client (PROTOCOL.md,
    /// section 11). The server writes every frame to the file as it arrives,
    /// so it holds none of the window: the window keeps the sender from
    /// running far ahead of the disk, while leaving it room enough that
    /// sender and receiver work at once. (With the stdin window, 256 KiB,
    /// they took turns: a 1 GiB upload was 15% slower here.)
    public static let defaultUploadWindow = 4_194_304
    /// Default number of commands in flight on one connection (`--max-execs`).
    public static let defaultMaxExecsPerConnection = 16
    /// Default cap on a classic command's buffered output (`--classic-output-cap`).
    public static let defaultClassicOutputCap = 64 * 1_048_576
    /// Classic commands that may wait behind a running one before the client is cut off.
    public static let maxQueuedClassicCommands = 16

    /// Above this many bytes queued for a client, the server reads neither the
    /// client's socket nor its commands' output pipes: the commands block on
    /// their full pipes and a flooding client on its full socket
    /// (backpressure instead of buffering). It is also the write-stall rule's
    /// unit of progress: a client must take this much, or all that is queued,
    /// within every write-stall timeout.
    public static let sendQueueHighWater = 256 * 1024
    /// Above this many bytes of stdin not yet taken by the commands, the server
    /// does not read the client's socket.
    public static let stdinHighWater = 256 * 1024
    /// Once a command on a terminal has exited, how long its terminal may
    /// stay silent before the server stops waiting for the rest of its
    /// output: a background process that keeps the terminal open (and
    /// quiet) must not keep the command from ending. Each read that finds
    /// output starts the wait again, so nothing a busy terminal writes is lost.
    public static let terminalDrainMilliseconds: Int64 = 1_000
    /// After its last frame the server shuts its sending side and reads (and
    /// discards) for up to this long before closing: closing with unread
    /// input would make the kernel send a reset, and the client could lose
    /// the error frame that explains why ("lingering close").
    public static let lingerMilliseconds: Int64 = 1_000
}
