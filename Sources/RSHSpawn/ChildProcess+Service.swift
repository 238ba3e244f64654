import RSHProtocol
import RSHSystem

/// Serving a running child, the same way for every driver: what it waits
/// for (`appendInterests`), and what to do once some of that is ready
/// (`service`). A `poll` loop and an edge-triggered event loop both call
/// these two and differ only in how they wait between the calls.
extension ChildProcess {
    /// The fairness bound: reads one output pipe may get in one `service`
    /// call. A command that always has output must not hold the thread (or
    /// the event loop) that serves other connections too.
    public static let readsPerTurn = 16

    /// The descriptors this child waits on now: its output pipes while the
    /// caller takes output (otherwise the child blocks on a full pipe, which
    /// is the backpressure) and the pipe is not already known to hold data;
    /// its stdin pipe while input is queued for it, whether or not the
    /// process that started the command is still alive (a background job may
    /// be the one reading); its process descriptor until it exits.
    public func appendInterests(to requests: inout [PollRequest], acceptingOutput: Bool) {
        if acceptingOutput {
            for stream in OutputKind.allCases where !mayHaveOutput[stream] {
                if let fd = descriptor(for: stream) { requests.append(PollRequest(fd, .readable)) }
            }
        }
        if let fd = standardInput, pendingInputCount > 0 { requests.append(PollRequest(fd, .writable)) }
        if !hasExited { requests.append(PollRequest(exitDescriptor.descriptor, .readable)) }
    }

    /// Whether an output pipe may hold data that has not been read: it was
    /// reported ready and not yet read until it would block. An
    /// edge-triggered wait would not report it again, so the caller serves
    /// it again without waiting, once it takes output.
    public var hasUnreadOutput: Bool {
        OutputKind.allCases.contains { mayHaveOutput[$0] && descriptor(for: $0) != nil }
    }

    /// Acts on what became ready for this child (`ready` says, for each of
    /// its descriptors): notes its exit, reads each output pipe until it would
    /// block (passing every chunk to `sink`), writes queued stdin, and
    /// enforces passed deadlines. The reads stop at the fairness bound, or as
    /// soon as `acceptingOutput` says the caller's queue is full.
    ///
    /// Reading on past the first chunk is what lets a command that wrote and
    /// exited in one go be seen whole in one turn: its output, the end of
    /// both pipes and its exit, so that the caller sends them in one write.
    public func service(_ ready: (FileDescriptor) -> PollEvents, buffer: UnsafeMutableRawBufferPointer,
                        acceptingOutput: () -> Bool = { true }, now: ContinuousClock.Instant = .now,
                        sink: (OutputKind, UnsafeRawBufferPointer) -> Void) {
        if !hasExited, !ready(exitDescriptor.descriptor).isEmpty { noteExit(now: now) }
        for stream in OutputKind.allCases {
            guard let fd = descriptor(for: stream) else { continue }
            if !ready(fd).isEmpty { mayHaveOutput[stream] = true }
            var reads = 0
            while mayHaveOutput[stream], reads < Self.readsPerTurn, acceptingOutput() {
                switch read(stream, into: buffer) {
                case .bytes(let count):
                    if isOnTerminal { deadlines.terminalOutputArrived() }
                    sink(stream, UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                    reads += 1
                case .wouldBlock:
                    mayHaveOutput[stream] = false
                    if isOnTerminal, hasExited { deadlines.terminalQuiet(now: now) }
                case .endOfFile:
                    mayHaveOutput[stream] = false
                }
            }
        }
        if let fd = standardInput, !ready(fd).isEmpty { flushInput() }
        // While the caller takes no output, the terminal's silence is not
        // the program's: the drain starts again once output is read.
        if isOnTerminal, deadlines.drainEndsAt != nil, !acceptingOutput() { deadlines.terminalQuiet(now: now) }
        if let deadline = deadlines.nextDeadline, deadline <= now { enforceDeadlines(now: now) }
    }

    /// Waits in `poll` until the child is complete (exited, its output at end
    /// of file), passing every chunk of output to `sink`; enforces the
    /// deadlines on the way. The smallest synchronous driver.
    public func drain(_ sink: (OutputKind, UnsafeRawBufferPointer) -> Void) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
        defer { buffer.deallocate() }
        var requests: [PollRequest] = []
        while !isComplete {
            requests.removeAll(keepingCapacity: true)
            appendInterests(to: &requests, acceptingOutput: true)
            let timeout = hasUnreadOutput ? 0 : pollTimeout(until: deadlines.nextDeadline)
            _ = try? poll(&requests, timeoutMilliseconds: timeout)
            service({ fd in requests.reduce(into: PollEvents()) { if $1.descriptor == fd { $0.formUnion($1.returned) } } },
                    buffer: buffer, sink: sink)
        }
    }

    /// What `run` collected.
    public struct Collected: Sendable {
        public var result: CommandOutcome
        public var stdout: [UInt8]
        public var stderr: [UInt8]
    }

    /// Runs a command to completion: feeds it `input` (then end of file),
    /// collects both output streams concurrently, reaps it.
    public static func run(_ spec: CommandSpec, input: [UInt8]? = nil, timeout: Duration? = nil,
                           grace: Duration = .seconds(2)) throws(SpawnError) -> Collected {
        var spec = spec
        spec.wantsStdin = input != nil
        let child = try ChildProcess(spec, timeout: timeout, grace: grace)
        if let input {
            child.queueInput(input)
            child.finishInput()
            child.flushInput()
        }
        var collected: [OutputKind: [UInt8]] = [.stdout: [], .stderr: []]
        child.drain { stream, bytes in collected[stream]! += bytes }
        return Collected(result: child.finish(), stdout: collected[.stdout]!, stderr: collected[.stderr]!)
    }
}
