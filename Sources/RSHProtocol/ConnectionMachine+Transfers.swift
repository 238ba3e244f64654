/// A file request's events, as a connection's: passed to the session while
/// the connection still talks to its client, dropped once it does not (the
/// session has ended the requests by then, and the driver dropped its files).
extension ConnectionMachine {
    /// The driver's answer to a file request, or its next part (`ServerSession.transferReplied`).
    public mutating func transferReplied(_ id: Int64, _ reply: FileReply, now: ContinuousClock.Instant) -> [Action] {
        guard isReading else { return [] }
        var actions: [Action] = []
        apply(session.transferReplied(id: id, reply), now: now, &actions)
        return actions
    }

    /// The next bytes of a download, queued as one frame without a copy.
    /// The driver reads a download only while `acceptsChildOutput`, as it
    /// reads a command's output: the same backpressure bounds both.
    public mutating func downloadData(_ id: Int64, _ bytes: UnsafeRawBufferPointer, now: ContinuousClock.Instant) {
        guard isReading else { return }
        let wasEmpty = queue.isEmpty
        session.downloadData(id: id, bytes, into: &queue.bytes)
        if wasEmpty, !queue.isEmpty { startStallWatch(now: now) }
    }

    /// The driver wrote `count` bytes of an upload: the session may acknowledge them.
    public mutating func uploadWritten(_ id: Int64, _ count: Int, now: ContinuousClock.Instant) -> [Action] {
        guard isReading else { return [] }
        var actions: [Action] = []
        apply(session.uploadWritten(id: id, count: count), now: now, &actions)
        return actions
    }

    /// The driver could not carry a file request out.
    public mutating func transferFailed(_ error: ProtocolError, now: ContinuousClock.Instant) -> [Action] {
        var actions: [Action] = []
        apply(session.transferFailed(error), now: now, &actions)
        return actions
    }
}
