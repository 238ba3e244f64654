import RemoteShell

/// One server per setup, shared by the conformance tests (each test uses its own connections).
enum SharedServers {
    static let servers: [Setup: ServerProcess] = {
        var servers: [Setup: ServerProcess] = [:]
        for setup in Setup.all {
            servers[setup] = try! ServerProcess(setup.mode, ["--max-execs", "4", "--grace", "1"] + setup.serverOptions)
        }
        return servers
    }()

    static func server(_ setup: Setup) -> ServerProcess { servers[setup]! }
}
