import RSHProtocol

/// What `rsh -w HOSTS COMMAND` was asked to do.
struct FanOutOptions {
    /// How each host's output reaches the user.
    enum Output: Equatable {
        /// Lines as they arrive, each prefixed `host: ` (pdsh).
        case live
        /// Held per host and printed at the end, each distinct output once
        /// under its hosts (`-b`; `-B` also gathers stderr).
        case gathered(includingStderr: Bool)
        /// One JSON object per host, as each finishes (`--json`).
        case json
    }

    var hosts: [String] = []
    var command: ExecRequest.Command = .shell("")
    var environment: [String: String] = [:]
    var workingDirectory: String?
    /// Connections in flight at most: a sliding window (`-f`, pdsh's default of 32 is pdsh's; 64 here, as clush).
    var window = 64
    var connectTimeout: Duration = .seconds(10)
    /// The port of a host given without one (`-p`).
    var port: UInt16 = 8080
    /// The remote command's timeout (`--timeout`).
    var timeout: Duration?
    /// The same stdin for every host (`--stdin`); otherwise the commands' stdin is /dev/null.
    var stdin: [UInt8]?
    var output: Output = .live
    /// The exit status is the worst remote one (`-S`).
    var worstStatus = false
    /// No summary lines (`-q`).
    var quiet = false
}
