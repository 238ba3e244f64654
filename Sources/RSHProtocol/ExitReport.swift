/// The `exit` frame: how command `id` ended.
public struct ExitReport: Hashable, Sendable {
    /// The exit codes a process can have: wait(2) reports 8 bits. Any other
    /// number would be cut to one of these by `exit`, 256 to a success.
    public static let codes: ClosedRange<Int64> = 0...255

    public var id: Int64
    public var outcome: CommandOutcome

    public init(id: Int64, _ outcome: CommandOutcome) {
        self.id = id
        self.outcome = outcome
    }
}
