/// How `rshd` schedules its own threads (`--scheduling`).
public enum ServerScheduling: String, CaseIterable, Sendable {
    /// The server's threads run `SCHED_BATCH`, so that their many short
    /// wake-ups do not preempt the commands; the commands run `SCHED_OTHER`
    /// (`ThreadScheduling`). Kept as started when rshd was started under a
    /// policy other than `SCHED_OTHER`.
    case batch
    /// Threads and commands keep the policy rshd was started with.
    case inherit
}
