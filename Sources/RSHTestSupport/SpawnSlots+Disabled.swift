import RSHSystem

extension SpawnSlots {
    /// Runs `body` with the slots out of use, so that every spawn in it goes
    /// through `posix_spawn` (for the tests of that path).
    public static func withSlotsDisabled<Result>(_ body: () throws -> Result) rethrows -> Result {
        isEnabled = false
        defer { isEnabled = true }
        return try body()
    }
}
