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

    /// Waits for this child to exit and reaps it, with what the kernel
    /// counted for it (`wait4(2)` on its ID: glibc's `waitid` passes the
    /// kernel no `struct rusage`). The ID names no other process until the
    /// reap, since the zombie holds it.
    public func reapCountingUsage() throws(Errno) -> (status: ExitStatus, usage: ChildUsage) {
        var status: Int32 = 0
        var usage = rusage()
        _ = try retryingInterrupts { wait4(processID, &status, 0, &usage) }
        // wait(2)'s WIFEXITED, WEXITSTATUS and WTERMSIG, which Swift cannot call (macros).
        let exit: ExitStatus = status & 0x7f == 0 ? .exited((status >> 8) & 0xff) : .signaled(Signal(rawValue: status & 0x7f))
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000 }
        return (exit, ChildUsage(cpuSeconds: seconds(usage.ru_utime) + seconds(usage.ru_stime)))
    }

    public func close() { descriptor.closeAfterUse() }
}

/// Waits for and reaps one child by its process ID (`waitpid(2)`), for the
/// rare child that has no process descriptor.
public func reapProcess(_ processID: Int32) {
    var status: Int32 = 0
    while waitpid(processID, &status, 0) == -1, Errno.current == .interrupted {}
}

/// What the kernel counted for a reaped child, the descendants it reaped
/// included (`struct rusage` from `wait4(2)`). Not its peak memory: a child
/// started with vfork (posix_spawn, `crsh_spawn`) runs in its parent's memory
/// until it executes, and `ru_maxrss` keeps the larger of that memory's peak
/// and the new program's (fs/exec.c, `exec_mmap`), so it says the parent's
/// size whenever the parent is the larger.
public struct ChildUsage: Sendable, Equatable {
    /// User and system CPU time of the child and the descendants it reaped.
    public var cpuSeconds: Double

    public init(cpuSeconds: Double) {
        self.cpuSeconds = cpuSeconds
    }
}
