/// The bytes waiting to be sent to one peer, in order. Frames are appended
/// at the back; the socket takes what it can from the front.
public struct SendQueue {
    /// The storage is kept between bursts up to this size, so that a stream
    /// does not allocate, fault in and give back (brk) its buffer on every
    /// burst. The queue reaches the high-water mark plus one read of a pipe,
    /// and an array doubles its storage when it grows, so the storage of a
    /// busy stream can reach about three times the mark.
    static let retainedCapacity = 4 * Limits.sendQueueHighWater

    /// Every byte not yet dropped; frames are appended to it directly (`ServerSession.output`).
    var bytes: [UInt8] = []
    /// Where the unsent bytes begin: the front is consumed by moving this,
    /// and the storage is compacted only once it has moved far.
    private var start = 0

    public init() {}

    /// Bytes not yet sent.
    public var count: Int { bytes.count - start }
    public var isEmpty: Bool { count == 0 }

    public mutating func append(_ frame: [UInt8]) {
        bytes += frame
    }

    /// The unsent bytes, from the front.
    public func withUnsentBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try bytes.withUnsafeBytes { raw in
            Swift.Result { () throws(Failure) in try body(UnsafeRawBufferPointer(rebasing: raw[start...])) }
        }.get()
    }

    /// Drops `count` bytes from the front: they were sent.
    public mutating func consume(_ count: Int) {
        precondition(count <= self.count, "consumed more than was queued")
        start += count
        if start == bytes.count {
            bytes.removeAll(keepingCapacity: bytes.capacity <= Self.retainedCapacity)
            start = 0
        } else if start >= Limits.sendQueueHighWater {
            bytes.removeFirst(start)
            start = 0
        }
    }

    /// Drops everything: the peer is gone.
    public mutating func removeAll() {
        bytes = []
        start = 0
    }
}
