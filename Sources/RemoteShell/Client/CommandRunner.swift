import RSHProtocol
import RSHSystem

/// Runs command lines one after another over one connection, as a shell
/// would: `cd` changes the directory of the commands that follow, and every
/// command's status is kept. Shared by the interactive and scripted modes.
struct CommandRunner: LineRunner {
    let connection: ClientConnection
    let options: ClientOptions
    /// `nil`: the server's default, its user's home directory.
    private(set) var workingDirectory: String?
    /// Where `cd -` goes; `nil` before the first `cd`.
    private var previousDirectory: Place?
    let output = LocalOutput()

    /// A directory the prompt has been in.
    private enum Place {
        /// The server's default, whose path only the server knows.
        case home
        case path(String)
    }

    init(connection: ClientConnection, options: ClientOptions) {
        self.connection = connection
        self.options = options
        workingDirectory = options.workingDirectory
    }

    /// Runs one line, its output streamed to our stdout and stderr.
    mutating func run(_ line: String) throws(ClientError) -> LineOutcome {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        if words.first == "cd" {
            let status = try changeDirectory(line, words)
            return LineOutcome(status: status, note: nil)
        }
        let report = try connection.execute(.shell(line), environment: options.environment,
                                            workingDirectory: workingDirectory, timeout: options.timeout)
        let status = Self.status(of: report)
        return LineOutcome(status: status, note: status == 0 ? nil : Self.describe(report))
    }

    /// `cd DIR` runs `cd DIR && pwd` remotely, from the current directory, and
    /// keeps what it prints: the remote shell does the quoting, `~` and the
    /// error messages. `cd -` returns to the previous directory.
    private mutating func changeDirectory(_ line: String, _ words: [Substring]) throws(ClientError) -> Int32 {
        var command = line
        if words.count == 2, words[1] == "-" {
            guard let previousDirectory else {
                output.message("rsh: cd: no previous directory")
                return 1
            }
            switch previousDirectory {
            case .home: command = "cd"  // a bare cd goes home, in the remote shell
            case .path(let path): command = "cd " + Self.shellQuoted(path)
            }
        }
        let report = try connection.executeCapturing(.shell(command + " && pwd"), environment: options.environment,
                                                     workingDirectory: workingDirectory, timeout: options.timeout)
        guard Self.status(of: report.report) == 0 else {
            try output.write(.stderr, report.stderr)
            return Self.status(of: report.report)
        }
        var path = String(decoding: report.stdout, as: UTF8.self)
        while path.hasSuffix("\n") { path.removeLast() }
        previousDirectory = workingDirectory.map(Place.path) ?? .home
        workingDirectory = path
        if words.count == 2, words[1] == "-" { output.message(path) }
        return 0
    }

    /// The exit status `rsh` reports for a remote command, as ssh does: its
    /// code; 128+N when signal N ended it; 124 when its timeout ended it.
    static func status(of report: ExitReport) -> Int32 {
        report.outcome.timedOut ? 124 : report.outcome.status.shellStatus
    }

    /// A short description of a failed command, for the interactive prompt.
    static func describe(_ report: ExitReport) -> String {
        if report.outcome.timedOut { return "[timed out after \(report.outcome.durationMilliseconds) ms]" }
        switch report.outcome.status {
        case .signaled(let signal): return "[signal \(signal.name)]"
        case .exited(let code): return "[exit \(code)]"
        }
    }

    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingAll("'", with: "'\\''") + "'"
    }
}
