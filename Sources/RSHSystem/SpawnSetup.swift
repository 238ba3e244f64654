/// What `spawnProcess` sets up in the child before it executes the program.
public struct SpawnSetup {
    /// What the child's 0, 1 and 2 are.
    public enum StandardStreams {
        /// These descriptors, in that order.
        case descriptors(input: FileDescriptor, output: FileDescriptor, error: FileDescriptor)
        /// The slave of a pseudo-terminal, opened by the child on all three
        /// after it has become a session leader, so that it becomes the
        /// child's controlling terminal (credentials(7): a session leader
        /// without one acquires the first terminal it opens without
        /// `O_NOCTTY`). This process never opens the slave itself: its master
        /// reports the end of output (EIO) only once no process holds the slave.
        case terminal(path: String)
    }

    public var standardStreams: StandardStreams
    /// A directory opened with `FileDescriptor.openDirectory`, to `fchdir` into.
    public var workingDirectory: FileDescriptor?
    /// `nil` inherits this process's environment unchanged; otherwise "KEY=VALUE" entries.
    public var environment: [String]?
    /// Search `PATH` for the program (`posix_spawnp`), as `execvp(3)` does.
    public var searchPath: Bool
    /// The file to execute, when it is not `arguments[0]` (a path found by
    /// `resolveExecutable`, or a login shell whose `arguments[0]` is "-sh").
    public var program: String?

    public init(_ standardStreams: StandardStreams, workingDirectory: FileDescriptor? = nil, environment: [String]? = nil,
                searchPath: Bool) {
        self.standardStreams = standardStreams
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.searchPath = searchPath
    }

    public init(standardInput: FileDescriptor, standardOutput: FileDescriptor, standardError: FileDescriptor,
                workingDirectory: FileDescriptor? = nil, environment: [String]? = nil, searchPath: Bool) {
        self.init(.descriptors(input: standardInput, output: standardOutput, error: standardError),
                  workingDirectory: workingDirectory, environment: environment, searchPath: searchPath)
    }
}
