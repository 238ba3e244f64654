/// Bytes in order, appended at the back and taken from the front, for a
/// session's ciphertext in each direction. Taking bytes moves an index, not
/// the bytes; the storage grows as needed. When the queue empties, small
/// storage is given back (a handshake's few kilobytes cost little to
/// allocate again) and so is very large storage; a stream's buffer, in
/// between, is kept and reused while the stream runs. An idle connection
/// holds none: the inbound queue gives its storage back when a read finds
/// the socket drained, and the outbound one once all of it is sent
/// (`releaseStorage`).
struct ByteQueue: ~Copyable {
    /// A queue that empties keeps its storage only within these bounds.
    static let retainedCapacity = 16 * 1024 + 1...1_048_576

    private var storage: UnsafeMutableRawBufferPointer?
    private var head = 0
    private var tail = 0

    init() {}

    deinit { storage?.deallocate() }

    var count: Int { tail - head }
    var isEmpty: Bool { head == tail }

    /// The bytes from the front.
    var bytes: UnsafeRawBufferPointer {
        guard let storage else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(rebasing: storage[head..<tail])
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        storage!.baseAddress!.advanced(by: tail).copyMemory(from: source, byteCount: bytes.count)
        tail += bytes.count
    }

    /// Lets `fill` write up to `count` bytes at the back, in place, and keeps
    /// the number it returns (`nil` or 0: none). A fill that brings nothing
    /// into an empty queue has drained its source: the storage is given
    /// back, so that an idle queue holds none.
    mutating func append<Failure: Error>(
        upTo count: Int, _ fill: (UnsafeMutableRawBufferPointer) throws(Failure) -> Int?
    ) throws(Failure) -> Int? {
        precondition(count > 0, "a fill needs room")
        let capacityBefore = storage?.count ?? 0
        reserve(count)
        let room = UnsafeMutableRawBufferPointer(rebasing: storage![tail..<tail + count])
        let filled: Int?
        do {
            filled = try fill(room)
        } catch {
            settleStorage(grownFrom: capacityBefore)
            throw error
        }
        if let filled, filled > 0 {
            precondition(filled <= count, "filled more than the room given")
            tail += filled
        }
        settleStorage(grownFrom: capacityBefore)
        return filled
    }

    /// Room for `extra` more bytes at the back now, in one allocation (a
    /// queue filled piece by piece would otherwise grow, and copy, by doubling).
    mutating func reserveCapacity(_ extra: Int) {
        reserve(extra)
    }

    /// Gives the storage back if the queue is empty.
    mutating func releaseStorage() {
        guard isEmpty, let storage else { return }
        storage.deallocate()
        self.storage = nil
        head = 0
        tail = 0
    }

    /// After a fill: an empty queue (nothing came, nothing waits: the reader
    /// has drained its source) holds no storage. Storage grown for a fill
    /// that brought little (a handshake message, a command) is traded for
    /// storage of the bytes' size, which `consume` gives back once they are
    /// taken; large storage would be kept, and an idle connection would hold
    /// it. A stream's fills are large: they keep the storage they were read
    /// into, and no byte is copied.
    private mutating func settleStorage(grownFrom capacityBefore: Int) {
        if isEmpty {
            releaseStorage()
            return
        }
        guard let storage, storage.count > capacityBefore, count < Self.retainedCapacity.lowerBound else { return }
        let fitted = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
        fitted.baseAddress!.copyMemory(from: storage.baseAddress!.advanced(by: head), byteCount: count)
        storage.deallocate()
        self.storage = fitted
        tail = count
        head = 0
    }

    /// Takes up to `count` bytes from the front into `destination`; returns how many.
    mutating func take(into destination: UnsafeMutableRawPointer, count wanted: Int) -> Int {
        let taken = min(wanted, count)
        guard taken > 0, let storage else { return 0 }
        destination.copyMemory(from: storage.baseAddress!.advanced(by: head), byteCount: taken)
        consume(taken)
        return taken
    }

    /// Drops `count` bytes from the front.
    mutating func consume(_ taken: Int) {
        precondition(taken <= count, "consumed more than the queue holds")
        head += taken
        if head == tail {
            head = 0
            tail = 0
            if let storage, !Self.retainedCapacity.contains(storage.count) {
                storage.deallocate()
                self.storage = nil
            }
        }
    }

    /// Room for `extra` more bytes at the back: the bytes move to the front
    /// if that makes room, else the storage grows (doubling).
    private mutating func reserve(_ extra: Int) {
        let capacity = storage?.count ?? 0
        if tail + extra <= capacity { return }
        if count + extra <= capacity, let storage {
            storage.baseAddress!.copyMemory(from: storage.baseAddress!.advanced(by: head), byteCount: count)
            tail = count
            head = 0
            return
        }
        let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count + extra, 2 * capacity), alignment: 16)
        if let storage {
            if count > 0 { grown.baseAddress!.copyMemory(from: storage.baseAddress!.advanced(by: head), byteCount: count) }
            storage.deallocate()
        }
        storage = grown
        tail = count
        head = 0
    }
}
