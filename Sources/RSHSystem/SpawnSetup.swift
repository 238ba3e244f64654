/// What `spawnProcess` sets up in the child before it executes the program.
public struct SpawnSetup {
    /// Descriptors to become the child's 0, 1 and 2.
    public var standardInput: FileDescriptor
    public var standardOutput: FileDescriptor
    public var standardError: FileDescriptor
    /// A directory opened with `FileDescriptor.openDirectory`, to `fchdir` into.
    public var workingDirectory: FileDescriptor?
    /// `nil` inherits this process's environment unchanged; otherwise "KEY=VALUE" entries.
    public var environment: [String]?
    /// Search `PATH` for the program (`posix_spawnp`), as `execvp(3)` does.
    public var searchPath: Bool
    /// The file to execute, when it is not `arguments[0]` (a path found by `resolveExecutable`).
    public var program: String?

    public init(standardInput: FileDescriptor, standardOutput: FileDescriptor, standardError: FileDescriptor,
                workingDirectory: FileDescriptor? = nil, environment: [String]? = nil, searchPath: Bool) {
        self.standardInput = standardInput
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.searchPath = searchPath
    }
}
