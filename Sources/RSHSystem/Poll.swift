import Glibc

/// `poll(2)` over `requests`, filling in each `returned`. Returns how many are ready.
/// A negative timeout waits forever. `EINTR` ends the wait early with 0 ready,
/// so that a caller sees the signal it was interrupted for.
@discardableResult
public func poll(_ requests: inout [PollRequest], timeoutMilliseconds: Int32) throws(Errno) -> Int {
    var fds = requests.map { pollfd(fd: $0.descriptor.rawValue, events: $0.events.rawValue, revents: 0) }
    let ready = Glibc.poll(&fds, nfds_t(fds.count), timeoutMilliseconds)
    if ready == -1 {
        let error = Errno.current
        if error == .interrupted {
            for index in requests.indices { requests[index].returned = [] }
            return 0
        }
        throw error
    }
    for index in requests.indices { requests[index].returned = PollEvents(rawValue: fds[index].revents) }
    return Int(ready)
}

extension FileDescriptor {
    /// Waits for one descriptor; returns the events that happened, and [] only
    /// once `timeoutMilliseconds` have passed (-1: no limit). A signal handled
    /// meanwhile does not end the wait early, as it would `poll(2)`'s.
    public func poll(for events: PollEvents, timeoutMilliseconds: Int32) throws(Errno) -> PollEvents {
        let deadline = timeoutMilliseconds < 0 ? nil : ContinuousClock.now + .milliseconds(timeoutMilliseconds)
        var requests = [PollRequest(self, events)]
        var timeout = timeoutMilliseconds
        while try RSHSystem.poll(&requests, timeoutMilliseconds: timeout) == 0 {
            timeout = pollTimeout(until: deadline)
            if timeout == 0 { return [] }
        }
        return requests[0].returned
    }
}

/// Milliseconds from now until `deadline`, rounded up and clamped for `poll`/`epoll_wait`;
/// -1 (forever) without a deadline.
public func pollTimeout(until deadline: ContinuousClock.Instant?, now: ContinuousClock.Instant = .now) -> Int32 {
    guard let deadline else { return -1 }
    let remaining = now.duration(to: deadline)
    if remaining <= .zero { return 0 }
    let (seconds, attoseconds) = remaining.components
    let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    return Int32(clamping: milliseconds)
}
