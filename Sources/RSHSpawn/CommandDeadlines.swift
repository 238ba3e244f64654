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
    /// How long a terminal may stay silent after its command has exited (`Limits.terminalDrainMilliseconds`).
    public let drain: Duration
    public private(set) var timeoutAt: ContinuousClock.Instant?
    public private(set) var phase: Phase = .running
    /// Whether the teardown began because the timeout passed.
    public private(set) var timedOut = false
    /// When the output of an exited command's terminal is given up on, unless more arrives first.
    public private(set) var drainEndsAt: ContinuousClock.Instant?

    public init(start: ContinuousClock.Instant, timeout: Duration?, grace: Duration,
                drain: Duration = .milliseconds(Limits.terminalDrainMilliseconds)) {
        self.grace = grace
        self.drain = drain
        timeoutAt = timeout.map { start + $0 }
    }

    public var isTearingDown: Bool { phase != .running }

    /// The next instant at which `expire` has something to do.
    public var nextDeadline: ContinuousClock.Instant? {
        let phaseDeadline: ContinuousClock.Instant?
        switch phase {
        case .running: phaseDeadline = timeoutAt
        case .terminating(let killAt): phaseDeadline = killAt
        case .killed(let abandonAt): phaseDeadline = abandonAt
        case .abandoned: phaseDeadline = nil
        }
        guard let drainEndsAt else { return phaseDeadline }
        return min(phaseDeadline ?? drainEndsAt, drainEndsAt)
    }

    /// The command has exited and its terminal had nothing to read at `now`
    /// (or the caller could not take output then): the drain ends after
    /// `drain` more of silence.
    public mutating func terminalQuiet(now: ContinuousClock.Instant) {
        guard phase != .abandoned else { return }
        drainEndsAt = now + drain
    }

    /// The terminal had output: the drain waits for the next silence.
    public mutating func terminalOutputArrived() {
        drainEndsAt = nil
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
        if let drainEndsAt, drainEndsAt <= now {
            self.drainEndsAt = nil
            phase = .abandoned
            return .abandonOutput
        }
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
