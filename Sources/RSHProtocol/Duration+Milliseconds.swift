extension Duration {
    /// Whole milliseconds, rounded down: how frames, logs and flags count time.
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
