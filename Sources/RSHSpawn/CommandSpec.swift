import RSHProtocol
import RSHSystem

/// What to run: a shell command line or an exact argument vector, and how.
public struct CommandSpec: Hashable, Sendable {
    /// A shell command line, run as `/bin/sh -c TEXT` (or directly when
    /// `ShellFastPath` proves the shell would do nothing more), or an argument
    /// vector, executed as it is.
    public var program: ExecRequest.Command
    /// Added to the server's environment, replacing variables of the same name.
    public var environment: [String: String]
    public var workingDirectory: String?
    /// Give the child a pipe for stdin; otherwise its stdin is /dev/null.
    public var wantsStdin: Bool
    /// Run the child on a new pseudo-terminal instead of pipes: its stdin,
    /// stdout and stderr, and its controlling terminal (`wantsStdin` is then moot).
    public var terminal: TerminalRequest?

    public init(_ program: ExecRequest.Command, environment: [String: String] = [:], workingDirectory: String? = nil,
                wantsStdin: Bool = false, terminal: TerminalRequest? = nil) {
        self.program = program
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.wantsStdin = wantsStdin
        self.terminal = terminal
    }
}
