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

    public init(_ program: ExecRequest.Command, environment: [String: String] = [:], workingDirectory: String? = nil, wantsStdin: Bool = false) {
        self.program = program
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.wantsStdin = wantsStdin
    }
}

/// Why a command could not be started. A program that does not exist or
/// cannot be executed is *not* one of these: like the shell, the command then
/// runs and exits with 127 or 126 and a message on stderr.
public enum SpawnError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The working directory could not be opened as a directory, or the
    /// child could not enter it (no search permission).
    case badWorkingDirectory(String, Errno)
    /// Out of descriptors, processes or memory (`EMFILE`, `EAGAIN`, `ENOMEM`, ...).
    case resources(Errno)
    /// Not even `/bin/sh` could be executed (an argument list over `ARG_MAX`, ...).
    case cannotExecute(Errno)

    public var description: String {
        switch self {
        case .badWorkingDirectory(let path, let errno): return "cannot change to \(path): \(errno)"
        case .resources(let errno): return "cannot start the command: \(errno)"
        case .cannotExecute(let errno): return "cannot execute /bin/sh: \(errno)"
        }
    }
}

