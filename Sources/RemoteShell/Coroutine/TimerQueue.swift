/// The event loop's timers: a binary min-heap of deadlines. Cancelling is
/// lazy: a cancelled entry stays in the heap and is skipped when it surfaces.
struct TimerQueue<Payload> {
    typealias ID = UInt64

    private var heap: [(deadline: ContinuousClock.Instant, id: ID)] = []
    private var live: [ID: Payload] = [:]
    private var nextID: ID = 1

    var isEmpty: Bool { live.isEmpty }

    /// The earliest deadline still live.
    mutating func nextDeadline() -> ContinuousClock.Instant? {
        while let top = heap.first, live[top.id] == nil { popTop() }
        return heap.first?.deadline
    }

    mutating func schedule(_ deadline: ContinuousClock.Instant, _ payload: Payload) -> ID {
        let id = nextID
        nextID += 1
        live[id] = payload
        heap.append((deadline, id))
        siftUp(heap.count - 1)
        return id
    }

    mutating func cancel(_ id: ID) {
        live[id] = nil
        if live.isEmpty { heap.removeAll(keepingCapacity: true) }
    }

    /// Removes and returns the payloads of every timer due at `now`, earliest first.
    mutating func popExpired(now: ContinuousClock.Instant) -> [Payload] {
        var expired: [Payload] = []
        while let top = heap.first, top.deadline <= now {
            popTop()
            if let payload = live.removeValue(forKey: top.id) { expired.append(payload) }
        }
        return expired
    }

    private mutating func popTop() {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        if !heap.isEmpty { siftDown(0) }
    }

    private mutating func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].deadline < heap[parent].deadline else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].deadline < heap[smallest].deadline { smallest = left }
            if right < heap.count, heap[right].deadline < heap[smallest].deadline { smallest = right }
            guard smallest != parent else { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
