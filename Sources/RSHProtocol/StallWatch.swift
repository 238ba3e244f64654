/// The write-stall rule while bytes are queued: the client must take
/// `Limits.sendQueueHighWater` bytes, or all of them, before `deadline`;
/// each time it has taken that much, the deadline moves on. A client that
/// takes a few bytes now and then, and so keeps the socket writable, is
/// still dropped: a partial write is not progress enough.
struct StallWatch: Hashable, Sendable {
    var deadline: ContinuousClock.Instant
    /// Bytes taken since the deadline was last set.
    var taken = 0

    mutating func took(_ count: Int, now: ContinuousClock.Instant, timeout: Duration) {
        taken += count
        if taken >= Limits.sendQueueHighWater {
            taken = 0
            deadline = now + timeout
        }
    }
}
