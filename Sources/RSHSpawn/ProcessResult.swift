import RSHSystem

/// How a command ended, once it has been reaped.
public struct ProcessResult: Hashable, Sendable {
    public var status: ExitStatus
    /// Whether the server stopped it because its timeout passed.
    public var timedOut: Bool
    /// From the spawn to the moment its exit was seen.
    public var duration: Duration

    public init(status: ExitStatus, timedOut: Bool, duration: Duration) {
        self.status = status
        self.timedOut = timedOut
        self.duration = duration
    }
}

/// One of a child's two output pipes.
public enum ChildOutput: Hashable, Sendable, CaseIterable {
    case stdout, stderr
}
