import CRSHSystem
import Glibc
import RSHProtocol

/// Process-wide signal dispositions.
public enum SignalDisposition {
    /// `SIGPIPE` ignored: a write to a closed pipe or socket fails with `EPIPE`
    /// instead of killing the process. Children start with default dispositions
    /// again (`POSIX_SPAWN_SETSIGDEF`).
    public static func ignoreBrokenPipe() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// `SIGCHLD` at its default action. Ignored (a disposition that survives
    /// `execve(2)`, so a parent can hand it down), it makes the kernel reap
    /// every child itself (`waitpid(2)`, NOTES): a child's status is then lost,
    /// `waitid` fails with `ECHILD`, and no zombie holds a finished command's
    /// process group ID until its pipes are drained.
    public static func defaultChildStatus() {
        signal(SIGCHLD, SIG_DFL)
    }

    /// Blocks `signals` in the calling thread and the threads it creates later,
    /// so that they are read from a `SignalReader` instead of interrupting code.
    public static func block(_ signals: [Signal]) throws(Errno) {
        var mask = sigset_t()
        sigemptyset(&mask)
        for signal in signals { sigaddset(&mask, signal.rawValue) }
        try returnedError(pthread_sigmask(SIG_BLOCK, &mask, nil))
    }
}

/// A `signalfd(2)`: blocked signals, delivered as readable data.
public struct SignalReader: Sendable {
    public let descriptor: FileDescriptor

    /// The signals must already be blocked in every thread (`SignalDisposition.block`).
    public init(_ signals: [Signal]) throws(Errno) {
        var mask = sigset_t()
        sigemptyset(&mask)
        for signal in signals { sigaddset(&mask, signal.rawValue) }
        descriptor = FileDescriptor(rawValue: try retryingInterrupts {
            signalfd(-1, &mask, Int32(SFD_CLOEXEC | SFD_NONBLOCK))
        })
    }

    /// The next pending signal, or `nil` when none is pending.
    public func next() -> Signal? {
        var info = signalfd_siginfo()
        let count = withUnsafeMutableBytes(of: &info) { try? descriptor.tryRead(into: $0) }
        guard count == MemoryLayout<signalfd_siginfo>.size else { return nil }
        return Signal(rawValue: Int32(info.ssi_signo))
    }

    public func close() { descriptor.closeAfterUse() }
}

/// `kill(2)` of a whole process group. A group that no longer exists is not an error.
public func signalProcessGroup(_ groupID: Int32, _ signal: Signal) {
    // ESRCH: every member has exited. EPERM: a member changed its credentials
    // (setuid); there is nothing more this process may do to it.
    _ = kill(-groupID, signal.rawValue)
}

/// `kill(2)` of one process.
public func signalProcess(_ processID: Int32, _ signal: Signal) throws(Errno) {
    _ = try retryingInterrupts { kill(processID, signal.rawValue) }
}
