import CRSHSystem
import Glibc
import RSHProtocol

/// A process descriptor (`pidfd_open(2)`): readable once the process has exited,
/// so it can sit in a `poll` or `epoll` set next to the process's pipes.
public struct ProcessDescriptor: Sendable {
    public let descriptor: FileDescriptor
    public let processID: Int32

    public init(processID: Int32) throws(Errno) {
        self.processID = processID
        descriptor = FileDescriptor(rawValue: try retryingInterrupts { crsh_pidfd_open(processID) })
    }

    /// Reaps exactly this child (`waitid(P_PIDFD, WEXITED)`), never another
    /// one. `nil` if it has not exited yet and `block` is false.
    public func reap(block: Bool) throws(Errno) -> ExitStatus? {
        var info = siginfo_t()
        let options = WEXITED | (block ? 0 : WNOHANG)
        _ = try retryingInterrupts { waitid(P_PIDFD, id_t(descriptor.rawValue), &info, options) }
        // With WNOHANG and nothing to report, waitid(2) returns 0 and leaves si_pid zero.
        if info.si_signo == 0 { return nil }
        let status = info._sifields._sigchld.si_status
        switch info.si_code {
        case Int32(CLD_EXITED): return .exited(status)
        default: return .signaled(Signal(rawValue: status))
        }
    }

    public func close() { descriptor.closeAfterUse() }
}

/// Waits for and reaps one child by its process ID (`waitpid(2)`), for the
/// rare child that has no process descriptor.
public func reapProcess(_ processID: Int32) {
    var status: Int32 = 0
    while waitpid(processID, &status, 0) == -1, Errno.current == .interrupted {}
}
