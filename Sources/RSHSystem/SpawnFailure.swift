/// Why `spawnProcess` started nothing.
public enum SpawnFailure: Error, Hashable, Sendable {
    /// The child could not enter its working directory (`fchdir(2)`:
    /// `EACCES` when the directory may not be searched).
    case workingDirectory(Errno)
    /// Anything else: out of processes, descriptors or memory, or `execve(2)`
    /// failed (`ENOENT`, `EACCES`, `ENOEXEC`, ...).
    case other(Errno)
}
