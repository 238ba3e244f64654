import RSHTestSupport

/// Paths for one test run, in its scratch directory (removed when the run ends).
enum Scratch {
    static var directory: String { ScratchSpace.root }

    static func path(_ name: String) -> String { ScratchSpace.path(name) }
}
