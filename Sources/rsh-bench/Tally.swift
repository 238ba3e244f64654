import Synchronization

/// A count shared between threads.
final class Tally: Sendable {
    private let count = Atomic<Int>(0)
    func add(_ amount: Int) { count.wrappingAdd(amount, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}
