import RSHSystem

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

extension SpawnError {
    /// A failed spawn, other than exec's own errors: the working directory
    /// (at `path`) could not be entered, or resources ran out.
    init(_ failure: SpawnFailure, directory path: String?) {
        switch failure {
        case .workingDirectory(let errno): self = .badWorkingDirectory(path ?? ".", errno)
        case .other(let errno): self = .resources(errno)
        }
    }
}
