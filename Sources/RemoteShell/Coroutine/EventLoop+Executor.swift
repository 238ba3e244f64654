/// The event loop as a Swift executor (SwiftNIO's EventLoop+SerialExecutor):
/// an actor whose `unownedExecutor` is a loop, or a task started with
/// `Task(executorPreference: loop)`, runs on the loop's thread and nowhere
/// else. This is what makes a connection a coroutine: its code reads
/// straight down, and every `await` on I/O parks it in the loop's epoll set.
extension EventLoop: SerialExecutor, TaskExecutor {
    public func enqueue(_ job: consuming ExecutorJob) {
        schedule(UnownedJob(job))
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    public func checkIsolated() {
        precondition(isCurrent, "expected to run on event loop \(name)")
    }

    func run(_ job: UnownedJob) {
        job.runSynchronously(isolatedTo: asUnownedSerialExecutor(), taskExecutor: asUnownedTaskExecutor())
    }
}
