/// What a fan-out does on each host once it is connected (`FanOut`): run a
/// command (`CommandWork`), or copy files (`CopyWork`). It runs on the
/// fan-out's event loop, isolated to the fan-out, one coroutine per host.
protocol FanOutWork: Sendable {
    /// Does the work on one host over its connection, and says how it ended.
    /// A wait on `client` ends early when the user presses Ctrl-C:
    /// `host.interruptRequested` asks for a polite stop, `host.abandoned` for
    /// an immediate one.
    func run(_ host: FanOut.HostRun, over client: LoopClient, in fanOut: isolated FanOut) async -> HostReport.Ending

    /// Whether the first Ctrl-C stops every host at once, as a second one
    /// does: there is nothing polite to ask of a copy.
    var stopsAtFirstInterrupt: Bool { get }
}
