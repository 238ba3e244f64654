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

    /// Acts on what `poll` returned for this child's descriptors: one read
    /// per ready output pipe (passed to `sink`), queued input written, exit
    /// noted, passed deadlines enforced.
    public func service(_ returned: (FileDescriptor) -> PollEvents, buffer: UnsafeMutableRawBufferPointer,
                        readingOutput: Bool = true, now: ContinuousClock.Instant = .now,
                        sink: (ChildOutput, UnsafeRawBufferPointer) -> Void) {
        if !hasExited, !returned(exitDescriptor.descriptor).isEmpty { noteExit(now: now) }
        for stream in ChildOutput.allCases where readingOutput {
            guard let fd = descriptor(for: stream), !returned(fd).isEmpty else { continue }
            if case .bytes(let count) = read(stream, into: buffer) {
                sink(stream, UnsafeRawBufferPointer(rebasing: buffer[..<count]))
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
