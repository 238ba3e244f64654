/// How a process ended.
public enum ExitStatus: Hashable, Sendable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Signal)

    /// The status as a shell reports it in `$?`: the code, or 128 + the
    /// signal's number. Every status rsh and rshd report as a number comes from here.
    public var shellStatus: Int32 {
        switch self {
        case .exited(let code): return code
        case .signaled(let signal): return 128 + signal.rawValue
        }
    }

    /// The exit code, or `nil` when a signal ended the process.
    public var code: Int32? {
        if case .exited(let code) = self { return code }
        return nil
    }

    /// The signal that ended the process, or `nil` when it exited.
    public var signal: Signal? {
        if case .signaled(let signal) = self { return signal }
        return nil
    }

    public var description: String {
        switch self {
        case .exited(let code): return "exit \(code)"
        case .signaled(let signal): return "signal \(signal.name)"
        }
    }
}

/// How a command ended, as its `exit` frame reports it and the server's log records it.
public struct CommandOutcome: Hashable, Sendable {
    public var status: ExitStatus
    /// Whether the server stopped it because its timeout passed.
    public var timedOut: Bool
    /// From the spawn to the moment its exit was seen.
    public var duration: Duration

    public init(status: ExitStatus, timedOut: Bool = false, duration: Duration) {
        self.status = status
        self.timedOut = timedOut
        self.duration = duration
    }

    /// `duration` in whole milliseconds, rounded down, as frames and logs carry it.
    public var durationMilliseconds: Int64 { duration.milliseconds }
}
