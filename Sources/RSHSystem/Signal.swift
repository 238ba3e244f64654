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

    /// The first and last real-time signals as the C library counts them
    /// (`SIGRTMIN`, `SIGRTMAX`: 34 and 64 with glibc, which keeps 32 and 33
    /// for its threads).
    public static let realTimeRange = crsh_signal_realtime_minimum()...crsh_signal_realtime_maximum()

    /// The name without "SIG", as `kill -l` prints it (bash and dash alike):
    /// "TERM" (`sigabbrev_np(3)`); a real-time signal counted from the nearer
    /// end, "RTMIN", "RTMIN+1" ... "RTMIN+15", "RTMAX-14" ... "RTMAX-1",
    /// "RTMAX"; and the number for a signal with no name (32, 33).
    public var name: String {
        if let name = crsh_signal_abbreviation(rawValue) { return String(cString: name) }
        let range = Self.realTimeRange
        guard range.contains(rawValue) else { return "\(rawValue)" }
        let fromStart = rawValue - range.lowerBound, fromEnd = range.upperBound - rawValue
        if fromStart == 0 { return "RTMIN" }
        if fromEnd == 0 { return "RTMAX" }
        return fromStart <= (range.upperBound - range.lowerBound) / 2 ? "RTMIN+\(fromStart)" : "RTMAX-\(fromEnd)"
    }

    public var description: String { "SIG\(name)" }

    /// The signal called `name`, with or without "SIG": a name `name` gives
    /// ("TERM", "RTMAX-14"), any other count from either end of the real-time
    /// signals ("RTMIN+20" is "RTMAX-10"), or a number ("33").
    public init?(name: String) {
        let bare = name.hasPrefix("SIG") ? String(name.dropFirst(3)) : name
        for number in Int32(1)..<Int32(32) where Signal(rawValue: number).name == bare {
            self.init(rawValue: number)
            return
        }
        let range = Self.realTimeRange
        let number: Int32?, valid: ClosedRange<Int32>
        if let offset = Self.offset(in: bare, from: "RTMIN", sign: "+") {
            (number, valid) = (range.lowerBound + offset, range)
        } else if let offset = Self.offset(in: bare, from: "RTMAX", sign: "-") {
            (number, valid) = (range.upperBound - offset, range)
        } else {
            // Every number from 1 to SIGRTMAX is a signal, 32 and 33 included.
            (number, valid) = (Self.count(bare[...]), 1...range.upperBound)
        }
        guard let number, valid.contains(number) else { return nil }
        self.init(rawValue: number)
    }

    /// 0 for exactly `base` ("RTMIN"), N for `base`, `sign`, N ("RTMIN+3").
    private static func offset(in name: String, from base: String, sign: Character) -> Int32? {
        guard name.hasPrefix(base) else { return nil }
        let rest = name.dropFirst(base.count)
        if rest.isEmpty { return 0 }
        guard rest.first == sign else { return nil }
        return count(rest.dropFirst())
    }

    /// Decimal digits only (no sign, no blanks), and not absurdly many.
    private static func count(_ text: Substring) -> Int32? {
        guard !text.isEmpty, text.count <= 3, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            return nil
        }
        return Int32(text)
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
