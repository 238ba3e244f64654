/// An `exec` request: what to run and how.
public struct ExecRequest: Hashable, Sendable {
    public enum Command: Hashable, Sendable {
        /// Run by `/bin/sh -c` (or directly, when it has no shell syntax at all).
        case shell(String)
        /// Executed directly: no shell, no re-parsing, no quoting.
        case argv([String])
    }

    /// Chosen by the client; unique among the commands in flight on the connection.
    public var id: Int64
    public var command: Command
    /// Added to the server's environment, replacing variables of the same name.
    public var environment: [String: String]
    public var workingDirectory: String?
    public var timeoutMilliseconds: Int64?
    /// Whether the client will send `stdin` frames; otherwise stdin is /dev/null.
    public var wantsStdin: Bool

    public init(id: Int64, command: Command, environment: [String: String] = [:], workingDirectory: String? = nil,
                timeoutMilliseconds: Int64? = nil, wantsStdin: Bool = false) {
        self.id = id
        self.command = command
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.timeoutMilliseconds = timeoutMilliseconds
        self.wantsStdin = wantsStdin
    }

    /// The command as one line, for logs.
    public var displayText: String {
        switch command {
        case .shell(let text): return text
        case .argv(let words): return words.map { $0.contains(" ") || $0.isEmpty ? "'\($0)'" : $0 }.joined(separator: " ")
        }
    }
}

/// How a command ended, as the `exit` frame reports it.
public struct ExitReport: Hashable, Sendable {
    /// The exit codes a process can have: wait(2) reports 8 bits. Any other
    /// number would be cut to one of these by `exit`, 256 to a success.
    public static let codes: ClosedRange<Int64> = 0...255

    public var id: Int64
    /// The exit status, or `nil` when a signal ended the command.
    public var code: Int32?
    /// The name of the signal that ended it ("KILL"), or `nil`.
    public var signal: String?
    /// Whether the server stopped it because its timeout passed.
    public var timedOut: Bool
    public var durationMilliseconds: Int64

    public init(id: Int64, code: Int32?, signal: String?, timedOut: Bool, durationMilliseconds: Int64) {
        self.id = id
        self.code = code
        self.signal = signal
        self.timedOut = timedOut
        self.durationMilliseconds = durationMilliseconds
    }
}

/// The parts of a command's end that the driver observes.
public struct CommandOutcome: Hashable, Sendable {
    public enum Status: Hashable, Sendable {
        case exited(Int32)
        /// Ended by the signal with this name and number.
        case signaled(name: String, number: Int32)
    }

    public var status: Status
    public var timedOut: Bool
    public var durationMilliseconds: Int64

    public init(status: Status, timedOut: Bool, durationMilliseconds: Int64) {
        self.status = status
        self.timedOut = timedOut
        self.durationMilliseconds = durationMilliseconds
    }
}
