import RSHProtocol
import RSHSystem

/// When a command must be stopped, and how: the pure state machine behind
/// timeouts and teardown, shared by every driver. Teardown is a sequence
/// (as in swift-subprocess): TERM to the whole process group, a grace
/// period, then KILL to the group.
public struct CommandDeadlines: Hashable, Sendable {
    public enum Phase: Hashable, Sendable {
        case running
        /// TERM was sent; KILL follows at this instant.
        case terminating(killAt: ContinuousClock.Instant)
        /// KILL was sent. If a process that left the group still holds the
        /// output pipes at `abandonAt`, the pipes are closed without waiting for it.
        case killed(abandonAt: ContinuousClock.Instant)
        /// The output pipes were given up on; nothing is left to do.
        case abandoned
    }

    /// What a passed deadline asks for.
    public enum Step: Hashable, Sendable {
        case signal(Signal)
        /// Stop waiting for end of file on the output pipes.
        case abandonOutput
    }

    public let grace: Duration
    public private(set) var timeoutAt: ContinuousClock.Instant?
    public private(set) var phase: Phase = .running
    /// Whether the teardown began because the timeout passed.
    public private(set) var timedOut = false

    public init(start: ContinuousClock.Instant, timeout: Duration?, grace: Duration) {
        self.grace = grace
        timeoutAt = timeout.map { start + $0 }
    }

    public var isTearingDown: Bool { phase != .running }

    /// The next instant at which `expire` has something to do.
    public var nextDeadline: ContinuousClock.Instant? {
        switch phase {
        case .running: return timeoutAt
        case .terminating(let killAt): return killAt
        case .killed(let abandonAt): return abandonAt
        case .abandoned: return nil
        }
    }

    /// Starts the teardown (client gone, `KILL` requested, server stopping).
    /// Returns the signal to send to the group now, if any.
    public mutating func beginTeardown(now: ContinuousClock.Instant) -> Signal? {
        guard case .running = phase else { return nil }
        if grace <= .zero {
            phase = .killed(abandonAt: now + .milliseconds(100))
            return .kill
        }
        phase = .terminating(killAt: now + grace)
        return .terminate
    }

    /// Acts on the deadline that has passed, if one has.
    public mutating func expire(now: ContinuousClock.Instant) -> Step? {
        switch phase {
        case .running:
            guard let timeoutAt, timeoutAt <= now else { return nil }
            timedOut = true
            return beginTeardown(now: now).map(Step.signal)
        case .terminating(let killAt):
            guard killAt <= now else { return nil }
            phase = .killed(abandonAt: now + max(grace, .milliseconds(100)))
            return .signal(.kill)
        case .killed(let abandonAt):
            guard abandonAt <= now else { return nil }
            phase = .abandoned
            return .abandonOutput
        case .abandoned:
            return nil
        }
    }
}
