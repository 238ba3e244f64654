import RSHSystem

/// Driving children from a `poll(2)` loop: the helpers the blocking and
/// threaded server drivers use, and `run`, the smallest such loop.
extension ChildProcess {
    /// The poll entries this child needs now: its output pipes when the sink
    /// has room for more (otherwise the child blocks on a full pipe, which is
    /// the backpressure), its stdin pipe while input is queued, its process
    /// descriptor until it exits.
    public func appendPollRequests(to requests: inout [PollRequest], acceptingOutput: Bool) {
        if acceptingOutput {
            if let fd = standardOutput { requests.append(PollRequest(fd, .readable)) }
            if let fd = standardError { requests.append(PollRequest(fd, .readable)) }
        }
        if let fd = standardInput, pendingInputCount > 0 { requests.append(PollRequest(fd, .writable)) }
        if !hasExited { requests.append(PollRequest(exitDescriptor.descriptor, .readable)) }
    }

    /// Reads one ready output pipe may get in one `service` call.
    static let readsPerWakeup = 4

    /// Acts on what `poll` returned for this child's descriptors: each ready
    /// output pipe read until it would block (passed to `sink`), queued input
    /// written, exit noted, passed deadlines enforced.
    ///
    /// Reading on past the first chunk is what lets a command that wrote and
    /// exited in one go be seen whole in one wake-up: its output, the end of
    /// both pipes and its exit, so the caller can send them in one write.
    /// The reads are bounded (`readsPerWakeup`), and `readingOutput` is asked
    /// before each, so a busy command neither holds the thread nor fills the
    /// caller's queue past its limit.
    public func service(_ returned: (FileDescriptor) -> PollEvents, buffer: UnsafeMutableRawBufferPointer,
                        readingOutput: @autoclosure () -> Bool = true, now: ContinuousClock.Instant = .now,
                        sink: (ChildOutput, UnsafeRawBufferPointer) -> Void) {
        if !hasExited, !returned(exitDescriptor.descriptor).isEmpty { noteExit(now: now) }
        for stream in ChildOutput.allCases {
            guard let fd = descriptor(for: stream), !returned(fd).isEmpty else { continue }
            var reads = 0
            while reads < Self.readsPerWakeup, readingOutput(), case .bytes(let count) = read(stream, into: buffer) {
                sink(stream, UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                reads += 1
            }
        }
        if let fd = standardInput, !returned(fd).isEmpty { flushInput() }
        if let deadline = deadlines.nextDeadline, deadline <= now { enforceDeadlines(now: now) }
    }

    /// Waits in `poll` until the child is complete (exited, both pipes at end
    /// of file), passing every chunk of output to `sink`; enforces the
    /// deadlines on the way. The smallest synchronous driver.
    public func drain(_ sink: (ChildOutput, UnsafeRawBufferPointer) -> Void) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
        defer { buffer.deallocate() }
        var requests: [PollRequest] = []
        while !isComplete {
            requests.removeAll(keepingCapacity: true)
            appendPollRequests(to: &requests, acceptingOutput: true)
            _ = try? poll(&requests, timeoutMilliseconds: pollTimeout(until: deadlines.nextDeadline))
            service({ fd in requests.reduce(into: PollEvents()) { if $1.descriptor == fd { $0.formUnion($1.returned) } } },
                    buffer: buffer, sink: sink)
        }
    }

    /// What `run` collected.
    public struct Collected: Sendable {
        public var result: ProcessResult
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
        var collected: [ChildOutput: [UInt8]] = [.stdout: [], .stderr: []]
        child.drain { stream, bytes in collected[stream]! += bytes }
        return Collected(result: child.finish(), stdout: collected[.stdout]!, stderr: collected[.stderr]!)
    }
}
