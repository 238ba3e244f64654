extension Array where Element == Duration {
    /// The `fraction` percentile in milliseconds (nearest rank), or nil when empty.
    func percentile(_ fraction: Double) -> Double? {
        guard !isEmpty else { return nil }
        let sorted = self.sorted()
        let rank = Swift.min(sorted.count - 1, Swift.max(0, Int((fraction * Double(sorted.count)).rounded(.up)) - 1))
        return sorted[rank].millisecondsDouble
    }
}

extension Array where Element == Double {
    /// The middle value; for an even count, the mean of the two middle ones
    /// (the upper one alone would favour whatever is measured in two rounds).
    var median: Double {
        let sorted = self.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
