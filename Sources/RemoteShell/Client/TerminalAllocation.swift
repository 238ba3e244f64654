/// Whether the remote command gets a pseudo-terminal (ssh's `-t` and `-T`).
enum TerminalAllocation: Equatable {
    /// Neither flag: commands run on pipes, and without a command a terminal
    /// gets the line prompt.
    case none
    /// `-T`: never.
    case never
    /// `-t`: when stdin is a terminal.
    case requested
    /// `-tt`: even when stdin is not a terminal.
    case forced
}
