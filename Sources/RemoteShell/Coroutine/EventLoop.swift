import RSHSystem
import Synchronization

/// One thread's event loop, in the shape of Redis's `ae.c`: run the ready
/// jobs, compute the timeout from the nearest timer, wait in `epoll_wait`,
/// wake the tasks whose descriptors became ready, fire the timers. It is
/// also a Swift executor (EventLoop+Executor.swift): coroutines bound to it
/// run on its thread only, and suspend in `wait` until a descriptor is ready.
///
/// Descriptors are registered edge-triggered, once, on first use. Callers try
/// their I/O first and wait only after `EAGAIN`; an edge that arrives while
/// nobody waits is remembered in a flag, so it is never lost.
///
/// Work can be put off until the loop is about to wait (`beforeWaiting`,
/// Redis's `beforeSleep`): a connection sends what its coroutines queued in
/// one write then, instead of one write per frame.
public final class EventLoop: @unchecked Sendable {
    public enum WaitOutcome: Sendable { case ready, timedOut, interrupted }

    /// What a task waits for on one descriptor.
    public struct Interest: Hashable, Sendable {
        enum Direction: Hashable, Sendable { case read, write }
        let descriptor: FileDescriptor
        let direction: Direction

        /// Readable, at end of file, hung up or in error.
        public static func readable(_ fd: FileDescriptor) -> Interest { Interest(descriptor: fd, direction: .read) }
        /// Writable, hung up or in error.
        public static func writable(_ fd: FileDescriptor) -> Interest { Interest(descriptor: fd, direction: .write) }
    }

    /// Names one waiting task so that another can wake it (`interrupt`). An
    /// interrupt that arrives while the task is not waiting is kept, and ends
    /// its next wait at once: a wake-up is never lost.
    public final class WaitHandle: @unchecked Sendable {
        /// The interest that ended the last wait with `.ready`: a task that
        /// waits on several descriptors at once learns which one to serve.
        /// (Others that became ready meanwhile end its next waits at once.)
        public fileprivate(set) var readyInterest: Interest?
        fileprivate var continuation: UnsafeContinuation<WaitOutcome, Never>?
        fileprivate var interests: [Interest] = []
        fileprivate var timer: TimerQueue<WaitHandle>.ID?
        fileprivate var pendingInterrupt = false
        public init() {}
    }

    private struct Registration {
        var readReady = false
        var writeReady = false
        var hungUp = false
        var reader: WaitHandle?
        var writer: WaitHandle?
    }

    /// The registered descriptors, indexed by number, like `ae.c`'s
    /// `events[fd]`: a lookup is an index, with no hashing and no allocation.
    private struct RegistrationTable {
        private var slots: [Registration?] = []

        subscript(fd: Int32) -> Registration? {
            get { Int(fd) < slots.count ? slots[Int(fd)] : nil }
            set {
                if Int(fd) >= slots.count {
                    guard newValue != nil else { return }
                    slots += repeatElement(nil, count: max(Int(fd) + 1, 2 * slots.count) - slots.count)
                }
                slots[Int(fd)] = newValue
            }
        }
    }

    public let name: String
    // Shared with other threads.
    private let incoming = Mutex<[UnownedJob]>([])
    private let wakeup: EventCounter
    private let stopRequested = Atomic<Bool>(false)
    // Confined to the loop's thread.
    private let epoll: Epoll
    private var runnable: [UnownedJob] = []
    /// The batch being run. It and `runnable` trade storage, so that running
    /// jobs allocates nothing.
    private var running: [UnownedJob] = []
    private var waitingHooks: [() -> Void] = []
    /// The hooks being run; it and `waitingHooks` trade storage, as the job queues do.
    private var runningHooks: [() -> Void] = []
    private var registrations = RegistrationTable()
    private var timers = TimerQueue<WaitHandle>()
    private var threadID: UInt = 0
    /// A buffer for one read at a time, shared by every coroutine on the loop
    /// (a buffer per connection would cost its size for each). Rule: whoever
    /// reads into it hands the bytes on before its next `await`.
    public let scratch: UnsafeMutableRawBufferPointer

    private static let wakeupToken = UInt64.max

    /// `scratchSize`: the most one read takes.
    public init(name: String, scratchSize: Int = 65_536) throws(Errno) {
        self.name = name
        epoll = try Epoll(capacity: 1024)
        wakeup = try EventCounter()
        try epoll.add(wakeup.descriptor, .readable, token: Self.wakeupToken)
        scratch = .allocate(byteCount: scratchSize, alignment: 16)
    }

    deinit {
        wakeup.close()
        scratch.deallocate()
    }

    /// Whether the caller runs on this loop's thread.
    public var isCurrent: Bool { threadID == SystemThread.currentID }

    // MARK: Running

    /// Runs the loop on the calling thread until `stop` is called and no job is left.
    public func run() {
        threadID = SystemThread.currentID
        while true {
            runJobs()
            runWaitingHooks()
            if stopRequested.load(ordering: .acquiring), runnable.isEmpty, incoming.withLock({ $0.isEmpty }) { break }
            let timeout = runnable.isEmpty ? pollTimeout(until: timers.nextDeadline()) : 0
            do {
                try epoll.wait(timeoutMilliseconds: timeout) { token, events in dispatch(token, events) }
            } catch {
                // EBADF/EINVAL would be a bug of ours; there is no way to go on waiting.
                preconditionFailure("epoll_wait failed: \(error)")
            }
            for handle in timers.popExpired(now: .now) {
                handle.timer = nil
                resume(handle, .timedOut)
            }
        }
        threadID = 0
    }

    /// Asks the loop to return from `run` once its queued jobs are done. Any thread.
    public func stop() {
        stopRequested.store(true, ordering: .releasing)
        wakeup.signal()
    }

    /// Queues a job; from another thread, wakes the loop.
    func schedule(_ job: UnownedJob) {
        if isCurrent {
            runnable.append(job)
        } else {
            incoming.withLock { $0.append(job) }
            wakeup.signal()
        }
    }

    /// Runs queued jobs in batches: the jobs a batch enqueues run in the next
    /// one. After `batchesBeforePolling` batches the loop looks at its
    /// descriptors again even if jobs remain, so coroutines that keep
    /// rescheduling themselves cannot starve I/O.
    private func runJobs() {
        for _ in 0..<Self.batchesBeforePolling {
            incoming.withLock { queue in
                guard !queue.isEmpty else { return }
                runnable += queue
                queue.removeAll(keepingCapacity: true)
            }
            if runnable.isEmpty { return }
            swap(&runnable, &running)
            for job in running { run(job) }
            running.removeAll(keepingCapacity: true)
        }
    }

    private static let batchesBeforePolling = 16

    /// Takes in what epoll reports now, without waiting: edges wake their
    /// tasks or are kept, as in the loop's own wait. The loop waits only once
    /// its jobs are done, so a task that keeps it busy (the acceptor in a
    /// burst of connections) calls this to learn of the edges that came
    /// meanwhile: a connection on another address, say.
    public func takeReadyEvents() {
        precondition(isCurrent, "EventLoop.takeReadyEvents called off the loop's thread")
        do {
            // The wakeup stays for the loop's own wait (its eventfd is
            // level-triggered): that wait moves the jobs other threads queued.
            try epoll.wait(timeoutMilliseconds: 0) { token, events in
                if token != Self.wakeupToken { dispatch(token, events) }
            }
        } catch {
            preconditionFailure("epoll_wait failed: \(error)")
        }
    }

    /// Runs `body` once, on this loop's thread, when the jobs queued now (and
    /// the ones they queue) have run and the loop is about to wait again.
    public func beforeWaiting(_ body: @escaping () -> Void) {
        precondition(isCurrent, "EventLoop.beforeWaiting called off the loop's thread")
        waitingHooks.append(body)
    }

    /// A hook may queue jobs (by waking a task); then the loop polls without
    /// blocking, runs them, and comes back here.
    private func runWaitingHooks() {
        while !waitingHooks.isEmpty {
            swap(&waitingHooks, &runningHooks)
            for hook in runningHooks { hook() }
            runningHooks.removeAll(keepingCapacity: true)
        }
    }

    private func dispatch(_ token: UInt64, _ events: EpollEvents) {
        if token == Self.wakeupToken {
            wakeup.reset()
            return
        }
        let fd = Int32(truncatingIfNeeded: token)
        guard registrations[fd] != nil else { return }
        let trouble = !events.isDisjoint(with: [.hangup, .error, .readHangup])
        if trouble { registrations[fd]!.hungUp = true }
        if trouble || events.contains(.readable) { edge(fd, .read) }
        if trouble || events.contains(.writable) { edge(fd, .write) }
    }

    /// Wakes the task waiting for this edge, or keeps it for the next wait.
    /// (A task resumed for one edge is no longer waiting for any other: a
    /// second edge for it in the same round is kept the same way.)
    private func edge(_ fd: Int32, _ direction: Interest.Direction) {
        guard let registration = registrations[fd] else { return }
        let interest = Interest(descriptor: FileDescriptor(rawValue: fd), direction: direction)
        switch direction {
        case .read:
            if let reader = registration.reader { resume(reader, .ready, interest) } else { registrations[fd]!.readReady = true }
        case .write:
            if let writer = registration.writer { resume(writer, .ready, interest) } else { registrations[fd]!.writeReady = true }
        }
    }

    // MARK: Waiting

    /// Suspends the calling task until one of `interests` is ready, `deadline`
    /// passes, or another task interrupts `handle` (or closes one of the
    /// descriptors). Call it from a task running on this loop, after the I/O
    /// it waits for failed with `EAGAIN`.
    public func wait(_ interests: [Interest], until deadline: ContinuousClock.Instant? = nil, handle: WaitHandle = WaitHandle(),
                     isolation: isolated (any Actor)? = #isolation) async -> WaitOutcome {
        await withUnsafeContinuation(isolation: isolation) { continuation in
            // Everything happens here, in one step on the loop's thread. From
            // nonisolated code the runtime may hop through the loop's job queue
            // before this closure runs; an edge delivered during that hop is in
            // the ready flags, so they are checked here, never before.
            precondition(isCurrent, "EventLoop.wait called off the loop's thread")
            precondition(handle.continuation == nil, "a WaitHandle is used by two waits at once")
            if let outcome = immediateOutcome(interests, deadline, handle) {
                continuation.resume(returning: outcome)
                return
            }
            handle.continuation = continuation
            handle.interests = interests
            for interest in interests {
                let fd = interest.descriptor.rawValue
                switch interest.direction {
                case .read:
                    precondition(registrations[fd]!.reader == nil, "two tasks wait to read \(interest.descriptor)")
                    registrations[fd]!.reader = handle
                case .write:
                    precondition(registrations[fd]!.writer == nil, "two tasks wait to write \(interest.descriptor)")
                    registrations[fd]!.writer = handle
                }
            }
            if let deadline { handle.timer = timers.schedule(deadline, handle) }
        }
    }

    /// What a wait returns without suspending: a kept interrupt, an edge that
    /// arrived while nobody waited, or a deadline already past.
    private func immediateOutcome(_ interests: [Interest], _ deadline: ContinuousClock.Instant?,
                                  _ handle: WaitHandle) -> WaitOutcome? {
        if handle.pendingInterrupt {
            handle.pendingInterrupt = false
            return .interrupted
        }
        for interest in interests {
            let fd = interest.descriptor.rawValue
            if registrations[fd] == nil { register(interest.descriptor) }
            switch interest.direction {
            case .read where registrations[fd]!.readReady:
                registrations[fd]!.readReady = false
            case .write where registrations[fd]!.writeReady:
                registrations[fd]!.writeReady = false
            default: continue
            }
            handle.readyInterest = interest
            return .ready
        }
        if let deadline, deadline <= .now { return .timedOut }
        return nil
    }

    /// Suspends the calling task until `deadline`, or until `handle` is interrupted.
    public func sleep(until deadline: ContinuousClock.Instant?, handle: WaitHandle = WaitHandle(),
                      isolation: isolated (any Actor)? = #isolation) async -> WaitOutcome {
        await wait([], until: deadline, handle: handle, isolation: isolation)
    }

    /// Wakes the task waiting on `handle` with `.interrupted`, or makes its next wait return at once.
    public func interrupt(_ handle: WaitHandle) {
        precondition(isCurrent, "EventLoop.interrupt called off the loop's thread")
        if handle.continuation != nil { resume(handle, .interrupted) } else { handle.pendingInterrupt = true }
    }

    /// Whether the peer hung up or the descriptor is in error (as far as epoll has said).
    public func hasHungUp(_ fd: FileDescriptor) -> Bool {
        registrations[fd.rawValue]?.hungUp ?? false
    }

    /// Removes `fd` from the loop; call it *before* closing the descriptor.
    /// (Closing alone is not enough: a child being spawned at that moment may
    /// still hold a copy, and epoll would keep reporting the closed number.)
    /// A task waiting on it is woken with `.interrupted`.
    public func deregister(_ fd: FileDescriptor) {
        guard let registration = registrations[fd.rawValue] else { return }
        registrations[fd.rawValue] = nil
        try? epoll.remove(fd)
        if let reader = registration.reader { resume(reader, .interrupted) }
        if let writer = registration.writer { resume(writer, .interrupted) }  // a no-op if it was the reader
    }

    private func register(_ fd: FileDescriptor) {
        do {
            try epoll.add(fd, [.readable, .writable, .readHangup, .edgeTriggered], token: UInt64(UInt32(bitPattern: fd.rawValue)))
            registrations[fd.rawValue] = Registration()
        } catch {
            // EPERM: a regular file, always ready. ENOMEM/ENOSPC: no room to
            // watch it. Either way, report it ready so the caller's I/O runs
            // and meets the real condition.
            registrations[fd.rawValue] = Registration(readReady: true, writeReady: true, hungUp: error != .notPermitted)
        }
    }

    private func resume(_ handle: WaitHandle, _ outcome: WaitOutcome, _ interest: Interest? = nil) {
        guard let continuation = handle.continuation else { return }
        handle.continuation = nil
        if outcome == .ready { handle.readyInterest = interest }
        for interest in handle.interests {
            let fd = interest.descriptor.rawValue
            switch interest.direction {
            case .read where registrations[fd]?.reader === handle: registrations[fd]?.reader = nil
            case .write where registrations[fd]?.writer === handle: registrations[fd]?.writer = nil
            default: break
            }
        }
        handle.interests = []
        if let timer = handle.timer {
            timers.cancel(timer)
            handle.timer = nil
        }
        continuation.resume(returning: outcome)
    }
}
