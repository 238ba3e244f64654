import CRSHSystem
import Glibc

/// A signal number, named as `kill -l` names it ("TERM", "KILL", ...).
public struct Signal: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let hangup = Signal(rawValue: SIGHUP)
    public static let interrupt = Signal(rawValue: SIGINT)
    public static let quit = Signal(rawValue: SIGQUIT)
    public static let kill = Signal(rawValue: SIGKILL)
    public static let user1 = Signal(rawValue: SIGUSR1)
    public static let user2 = Signal(rawValue: SIGUSR2)
    public static let brokenPipe = Signal(rawValue: SIGPIPE)
    public static let terminate = Signal(rawValue: SIGTERM)
    public static let child = Signal(rawValue: SIGCHLD)
    public static let windowChanged = Signal(rawValue: SIGWINCH)

    /// The name without "SIG" (`sigabbrev_np(3)`), or the number for a real-time signal.
    public var name: String {
        if let name = crsh_signal_abbreviation(rawValue) { return String(cString: name) }
        return "\(rawValue)"
    }

    public var description: String { "SIG\(name)" }

    /// The signal called `name` ("TERM" or "SIGTERM"), if there is one.
    public init?(name: String) {
        let bare = name.hasPrefix("SIG") ? String(name.dropFirst(3)) : name
        for number in Int32(1)..<Int32(32) where Signal(rawValue: number).name == bare {
            self.init(rawValue: number)
            return
        }
        return nil
    }
}

/// Process-wide signal dispositions.
public enum SignalDisposition {
    /// `SIGPIPE` ignored: a write to a closed pipe or socket fails with `EPIPE`
    /// instead of killing the process. Children start with default dispositions
    /// again (`POSIX_SPAWN_SETSIGDEF`).
    public static func ignoreBrokenPipe() {
        signal(SIGPIPE, SIG_IGN)
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
