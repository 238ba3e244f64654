import CRSHSystem
import Glibc
import Synchronization

/// The CPU scheduling policy (sched(7)) of this process's threads and of the
/// children it spawns.
///
/// A server that runs commands wakes up several times for each of them: the
/// request, each piece of output, each pipe's end, the exit. Every wake-up is
/// a few microseconds of bookkeeping, and under `SCHED_OTHER` each one
/// preempts whatever runs on that CPU, often the very command whose output
/// it is waiting for. Under `SCHED_BATCH` a waking thread does not preempt:
/// it runs on an idle CPU at once, or when the running task's time slice
/// ends. Its share of CPU time is unchanged (same weight as `SCHED_OTHER`).
/// The commands themselves go back to `SCHED_OTHER` as they start, so that
/// they, and what they start, schedule as they would anywhere else.
public enum ThreadScheduling {
    /// The policy every child takes before it executes its program; -1 for
    /// the spawning thread's own.
    private static let policyForChildren = Atomic<Int32>(-1)

    /// What `spawnProcess` gives `crsh_spawn` and `posix_spawn`.
    static var childPolicy: Int32? {
        let policy = policyForChildren.load(ordering: .relaxed)
        return policy < 0 ? nil : policy
    }

    /// Moves the calling thread from `SCHED_OTHER` to `SCHED_BATCH` (threads
    /// it creates from then on inherit it), and has every child spawned from
    /// then on go back to `SCHED_OTHER`. Call it before starting threads.
    ///
    /// Changes nothing and returns false when the thread runs under another
    /// policy, chosen by whoever started the process (`chrt`, systemd's
    /// `CPUSchedulingPolicy=`): that choice is kept, and passed on to the
    /// children as before. Also false if the kernel refuses (a seccomp filter).
    public static func batchCallingThread() -> Bool {
        guard sched_getscheduler(0) == SCHED_OTHER else { return false }
        var priority = sched_param(sched_priority: 0)
        guard sched_setscheduler(0, crsh_SCHED_BATCH, &priority) == 0 else { return false }
        policyForChildren.store(SCHED_OTHER, ordering: .relaxed)
        return true
    }
}
