/// An `exec` request: what to run and how.
public struct ExecRequest: Hashable, Sendable {
    public enum Command: Hashable, Sendable {
        /// Run by `/bin/sh -c` (or directly, when it has no shell syntax at all).
        case shell(String)
        /// Executed directly: no shell, no re-parsing, no quoting.
        case argv([String])
        /// The login shell of the server's user, started as a login shell.
        case loginShell
    }

    /// Chosen by the client; unique among the commands in flight on the connection.
    public var id: Int64
    public var command: Command
    /// Added to the server's environment, replacing variables of the same name.
    public var environment: [String: String]
    public var workingDirectory: String?
    public var timeoutMilliseconds: Int64?
    /// Whether the client will send `stdin` frames; otherwise stdin is /dev/null.
    /// A command with a terminal always takes `stdin` frames: they are what is typed.
    public var wantsStdin: Bool
    /// Run on a new pseudo-terminal of this size; `nil` runs with pipes.
    public var terminal: TerminalRequest?

    public init(id: Int64, command: Command, environment: [String: String] = [:], workingDirectory: String? = nil,
                timeoutMilliseconds: Int64? = nil, wantsStdin: Bool = false, terminal: TerminalRequest? = nil) {
        self.id = id
        self.command = command
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.timeoutMilliseconds = timeoutMilliseconds
        self.wantsStdin = wantsStdin
        self.terminal = terminal
    }

    /// The command as one line, for logs.
    public var displayText: String {
        switch command {
        case .shell(let text): return text
        case .argv(let words): return words.map { $0.contains(" ") || $0.isEmpty ? "'\($0)'" : $0 }.joined(separator: " ")
        case .loginShell: return "(login shell)"
        }
    }
}
