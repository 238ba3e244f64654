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
