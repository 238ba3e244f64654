import RSHSystem

/// The robustness tests run short under `swift test` (and in CI), and at the
/// sizes SECURITY.md states under `scripts/torture.sh` (RSH_TORTURE=full).
enum Torture {
    static let full = ProcessIdentity.environmentValue("RSH_TORTURE") == "full"

    /// `short` normally, `full` in a torture run.
    static func size(_ short: Int, _ full: Int) -> Int { self.full ? full : short }
}

/// Runs `body(index)` on `count` threads at once and waits for all of them.
func concurrently(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let threads = (0..<count).map { index in try! SystemThread.start { body(index) } }
    threads.forEach { $0.join() }
}
