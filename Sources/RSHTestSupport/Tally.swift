import Synchronization

/// A count shared between threads.
public final class Tally: Sendable {
    private let count = Atomic<Int>(0)

    public init() {}

    public func add(_ amount: Int) { count.wrappingAdd(amount, ordering: .relaxed) }
    public var value: Int { count.load(ordering: .relaxed) }
}
