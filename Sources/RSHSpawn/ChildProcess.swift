import RSHProtocol
import RSHSystem

/// A command running as a child process: its pipes, its process descriptor,
/// its deadlines. Every method is non-blocking except `finish`, which only
/// runs once the child has exited, so the same object serves a `poll` loop
/// and an event loop alike.
///
/// The child is the leader of its own session and process group, so signals
/// go to the whole group. On a terminal (`CommandSpec.terminal`) its output
/// is the terminal's master, read until EIO, and its input a second
/// descriptor for the same master; it has no separate stderr. It is reaped
/// only in `finish`, after its output has ended: until then its zombie keeps
/// the group ID from being reused, so a late `kill(-pgid)` can never reach
/// an unrelated group.
public final class ChildProcess {
    public let processID: Int32
    /// Readable once the child has exited (pidfd_open(2)).
    public let exitDescriptor: ProcessDescriptor
    /// Our ends of its pipes, non-blocking; `nil` once closed.
    public private(set) var standardInput: FileDescriptor?
    public private(set) var standardOutput: FileDescriptor?
    public private(set) var standardError: FileDescriptor?
    /// Whether the child runs on a pseudo-terminal.
    public let isOnTerminal: Bool
    public let startedAt: ContinuousClock.Instant
    public internal(set) var deadlines: CommandDeadlines
    public private(set) var exitedAt: ContinuousClock.Instant?
    /// Called with each of our descriptors just before it is closed, so an
    /// event loop can drop it from its epoll set first.
    private let beforeClosing: (FileDescriptor) -> Void
    /// Called with the number of queued stdin bytes that left our hands:
    /// written to the pipe, or dropped because the child closed its stdin.
    private let inputTaken: (Int) -> Void
    /// Output pipes reported ready and not yet read until they would block (`service`).
    var mayHaveOutput = OutputFlags()
    private var pendingInput: [UInt8] = []
    private var pendingInputStart = 0
    private var inputFinished = false
    private var reaped = false

    /// Starts the command. A missing or non-executable program is not an
    /// error here: the child then exits 127 or 126 with the shell's message.
    public init(_ spec: CommandSpec, timeout: Duration? = nil, grace: Duration = .seconds(2),
                beforeClosing: @escaping (FileDescriptor) -> Void = { _ in },
                inputTaken: @escaping (Int) -> Void = { _ in }) throws(SpawnError) {
        let launch = try Launch(spec)
        self.beforeClosing = beforeClosing
        self.inputTaken = inputTaken
        processID = launch.processID
        exitDescriptor = launch.exitDescriptor
        standardInput = launch.standardInput
        standardOutput = launch.standardOutput
        standardError = launch.standardError
        isOnTerminal = launch.terminal != nil
        startedAt = launch.startedAt
        deadlines = CommandDeadlines(start: launch.startedAt, timeout: timeout, grace: grace)
    }

    deinit {
        // Drivers always call finish(); this is the safety net that keeps a
        // bug elsewhere from leaking a process, a zombie or descriptors.
        guard !reaped else { return }
        signalProcessGroup(processID, .kill)
        _ = try? exitDescriptor.reap(block: true)
        closeDescriptors()
    }

    public var hasExited: Bool { exitedAt != nil }

    /// The leader has exited and both output pipes are at end of file.
    public var isComplete: Bool { hasExited && standardOutput == nil && standardError == nil }

    /// Records that the process descriptor became readable.
    public func noteExit(now: ContinuousClock.Instant = .now) {
        guard exitedAt == nil else { return }
        exitedAt = now
        // A terminal is not at end of file while a background process holds
        // it: from now on its silence is bounded (CommandDeadlines.drain).
        if isOnTerminal, standardOutput != nil, !mayHaveOutput[.stdout] { deadlines.terminalQuiet(now: now) }
    }

    // MARK: Output

    public func descriptor(for stream: OutputKind) -> FileDescriptor? {
        stream == .stdout ? standardOutput : standardError
    }

    /// One non-blocking read from an output pipe. End of file closes the pipe.
    public func read(_ stream: OutputKind, into buffer: UnsafeMutableRawBufferPointer) -> ReadOutcome {
        guard let fd = descriptor(for: stream) else { return .endOfFile }
        do {
            guard let count = try fd.tryRead(into: buffer) else { return .wouldBlock }
            if count > 0 { return .bytes(count) }
        } catch {
            // A terminal's master reads EIO once no process holds the slave:
            // that is its end of file (pty(7)). EIO and friends cannot happen
            // on a pipe; treat them as its end too.
        }
        close(stream)
        return .endOfFile
    }

    private func close(_ stream: OutputKind) {
        if stream == .stdout {
            standardOutput.map(release)
            standardOutput = nil
        } else {
            standardError.map(release)
            standardError = nil
        }
    }

    private func release(_ descriptor: FileDescriptor) {
        beforeClosing(descriptor)
        descriptor.closeAfterUse()
    }

    // MARK: Input

    /// Bytes queued for the child's stdin, not yet written.
    public var pendingInputCount: Int { pendingInput.count - pendingInputStart }

    /// Queues bytes for stdin. Dropped if the child has no stdin pipe, or closed it.
    public func queueInput(_ bytes: [UInt8]) {
        guard standardInput != nil, !inputFinished else {
            inputTaken(bytes.count)
            return
        }
        pendingInput += bytes
    }

    /// Closes stdin once every queued byte has been written. A terminal
    /// cannot be half-closed: it is sent its end-of-file character instead
    /// (VEOF, as its settings say now), which ends the input of a program
    /// reading a line at a time.
    public func finishInput() {
        guard !inputFinished else { return }
        if isOnTerminal, let fd = standardInput,
           let character = (try? (standardOutput ?? fd).terminalAttributes())?.endOfFileCharacter {
            queueInput([character])
        }
        inputFinished = true
        if pendingInputCount == 0 { closeInput() } else { flushInput() }
    }

    /// Writes queued input without blocking. Returns whether anything is left
    /// to write (so the caller waits for the pipe to become writable).
    @discardableResult
    public func flushInput() -> Bool {
        guard let fd = standardInput else { return false }
        let startCount = pendingInputCount
        defer { if pendingInputCount < startCount { inputTaken(startCount - pendingInputCount) } }
        while pendingInputCount > 0 {
            let written: Int?
            do {
                written = try pendingInput.withUnsafeBytes { raw in
                    Result { () throws(Errno) in
                        try fd.tryWrite(UnsafeRawBufferPointer(rebasing: raw[pendingInputStart...]))
                    }
                }.get()
            } catch {
                // EPIPE: the child closed its stdin or exited; what it did not read is dropped.
                closeInput()
                return false
            }
            guard let written else { return true }
            pendingInputStart += written
        }
        pendingInput.removeAll(keepingCapacity: pendingInput.capacity <= 1 << 20)
        pendingInputStart = 0
        if inputFinished { closeInput() }
        return false
    }

    /// Closes our end of stdin now: the child reads end of file, pending input is dropped.
    public func closeInput() {
        standardInput.map(release)
        standardInput = nil
        pendingInput = []
        pendingInputStart = 0
    }

    // MARK: Signals and teardown

    /// Sets the window size of the child's terminal; the kernel tells its
    /// foreground process group (SIGWINCH). Nothing for a child without one.
    public func resize(_ size: WindowSize) {
        guard isOnTerminal, !reaped, let fd = standardOutput ?? standardInput else { return }
        try? fd.setWindowSize(size)
    }

    /// Sends a signal to the child's whole process group.
    public func signalGroup(_ signal: Signal) {
        guard !reaped else { return }
        signalProcessGroup(processID, signal)
    }

    /// Starts the teardown: TERM to the group now, KILL after the grace period.
    public func beginTeardown(now: ContinuousClock.Instant = .now) {
        if let signal = deadlines.beginTeardown(now: now) { signalGroup(signal) }
    }

    /// Acts on passed deadlines (timeout, end of grace). Call it when `deadlines.nextDeadline` has passed.
    public func enforceDeadlines(now: ContinuousClock.Instant = .now) {
        while let step = deadlines.expire(now: now) {
            switch step {
            case .signal(let signal): signalGroup(signal)
            case .abandonOutput:
                // Something outside the group still holds the pipes; the
                // command is over all the same.
                close(.stdout)
                close(.stderr)
            }
        }
    }

    // MARK: The end

    /// Reaps the child and closes what is left. Call it once `isComplete`.
    public func finish() -> CommandOutcome {
        precondition(hasExited && !reaped, "finish() before the child exited, or twice")
        let status: ExitStatus
        do {
            // The process descriptor is readable, so this does not block.
            status = try exitDescriptor.reap(block: true) ?? .signaled(.kill)
        } catch .noChild {
            // Reaped already, its status with it: by the kernel when this
            // process ignores SIGCHLD (SignalDisposition.defaultChildStatus),
            // or by another waiter in it. 255 is what ssh reports when a
            // command's status never came back.
            status = .exited(255)
        } catch {
            preconditionFailure("waitid on our own child failed: \(error)")
        }
        reaped = true
        closeDescriptors()
        return CommandOutcome(status: status, timedOut: deadlines.timedOut, duration: startedAt.duration(to: exitedAt ?? .now))
    }

    private func closeDescriptors() {
        closeInput()
        close(.stdout)
        close(.stderr)
        beforeClosing(exitDescriptor.descriptor)
        exitDescriptor.close()
    }
}
