/// What a client has sent for one id against its window (PROTOCOL.md,
/// section 9), as the server counts it: stdin for a command, data for an
/// upload. The client may have at most a window unacknowledged; the server
/// acknowledges what has left its hands in batches of at least half the
/// window: few acknowledgements, and a client whose window is full always
/// gets one once its bytes are taken.
struct WindowAccount {
    /// Bytes received and not yet acknowledged.
    private(set) var unacknowledged = 0
    /// Of those, the bytes taken: written to the pipe or the file, or dropped.
    private(set) var taken = 0

    /// Counts `count` bytes received; `false` when they do not fit the window.
    mutating func receive(_ count: Int, window: Int) -> Bool {
        guard unacknowledged + count <= window else { return false }
        unacknowledged += count
        return true
    }

    /// Counts `count` bytes taken; returns how many to acknowledge now, if any.
    mutating func take(_ count: Int, window: Int) -> Int? {
        taken += count
        guard taken >= max(1, window / 2) else { return nil }
        defer {
            unacknowledged -= taken
            taken = 0
        }
        return taken
    }
}
