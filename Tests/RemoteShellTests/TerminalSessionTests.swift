import Foundation
import Glibc
import RemoteShell
import RSHProtocol
import RSHSystem
import RSHTestSupport
import Testing

/// `rsh -t`, run on a real pseudo-terminal as a user would run it, against
/// every mode. The local terminal's settings must come back unchanged
/// whichever way the session ends.
@Suite("rsh -t: terminal sessions")
struct TerminalSessionTests {
    static let window = WindowSize(rows: 40, columns: 100)

    /// rsh -t against a setup's shared server, in a terminal of `window`'s size.
    func terminal(_ setup: Setup, _ arguments: [String], flags: [String] = ["-t"],
                  environment: [String: String] = [:]) throws -> TerminalSession {
        try terminal(setup.server, options: setup.rshOptions, arguments, flags: flags, environment: environment)
    }

    func terminal(_ server: ServerProcess, options: [String] = [], _ arguments: [String], flags: [String] = ["-t"],
                  environment: [String: String] = [:]) throws -> TerminalSession {
        return try TerminalSession([Binaries.rsh] + options + flags + [server.address] + arguments, size: Self.window,
                                   environment: environment, recordingSettings: true)
    }

    @Test("tty and stty size name the remote terminal and the local window's size; the settings come back", arguments: Setup.all)
    func ttyAndSize(_ setup: Setup) throws {
        let session = try terminal(setup, ["tty; stty size"])
        let before = try #require(session.initialSettings)
        #expect(session.expect("40 100\r\n"), "\(session.text)")
        #expect(session.text.contains("/dev/pts/"))
        #expect(session.waitForExit() == .exited(0))
        #expect(try session.settings() == before)
    }

    @Test("a change of the local window's size reaches the remote program as SIGWINCH", arguments: Setup.plain)
    func resize(_ setup: Setup) throws {
        let session = try terminal(setup, ["trap 'echo now $(stty size)' WINCH; echo ready; while :; do sleep 0.05; done"])
        #expect(session.expect("ready\r\n"), "\(session.text)")
        try session.resize(WindowSize(rows: 50, columns: 120))
        kill(session.processID, SIGWINCH)
        #expect(session.expect("now 50 120\r\n"), "\(session.text)")
        session.type("\u{03}")
        #expect(session.waitForExit() == .exited(130))
    }

    @Test("python3 reads what is typed and answers", arguments: Setup.plain)
    func python(_ setup: Setup) throws {
        let session = try terminal(setup, ["python3", "-q"])
        #expect(session.expect(">>> "), "\(session.text)")
        session.type("print(6*7)\r")
        #expect(session.expect("\r\n42\r\n"), "\(session.text)")
        session.type("exit()\r")
        #expect(session.waitForExit() == .exited(0))
    }

    @Test("vim edits and writes a file", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/vim")),
          arguments: Setup.plain)
    func vim(_ setup: Setup) throws {
        let file = Scratch.directory + "/notes-\(setup.mode.rawValue).txt"
        try? FileManager.default.removeItem(atPath: file)
        let session = try terminal(setup, ["vim", "-u", "NONE", "-N", file])
        #expect(session.expect("notes-"), "vim did not draw its screen: \(session.text)")
        session.type("iwritten in vim\u{1b}")
        session.type(":wq\r")
        #expect(session.waitForExit() == .exited(0), "\(session.text)")
        #expect((try? String(contentsOfFile: file, encoding: .utf8)) == "written in vim\n")
    }

    @Test("Ctrl-C ends the remote command (130); exit 7 is 7", arguments: Setup.plain)
    func statuses(_ setup: Setup) throws {
        let interrupted = try terminal(setup, ["echo started; exec sleep 100"])
        #expect(interrupted.expect("started\r\n"))
        interrupted.type("\u{03}")
        #expect(interrupted.waitForExit() == .exited(130))
        let exited = try terminal(setup, ["exit 7"])
        #expect(exited.waitForExit() == .exited(7))
    }

    @Test("without a command: the login shell, as a login shell", arguments: Setup.plain)
    func loginShell(_ setup: Setup) throws {
        let session = try terminal(setup, [])
        session.type("echo \"zero=$0\"; exit 4\r")
        let shell = (ProcessIdentity.loginShell ?? "/bin/sh").split(separator: "/").last.map(String.init) ?? "sh"
        #expect(session.expect("zero=-\(shell)"), "\(session.text)")
        #expect(session.waitForExit() == .exited(4))
    }

    @Test("~~ sends one ~; ~. disconnects; the settings come back", arguments: Setup.plain)
    func escapes(_ setup: Setup) throws {
        let session = try terminal(setup, ["cat"])
        let before = try #require(session.initialSettings)
        // The remote terminal echoes the line, and cat writes it back.
        session.type("~~a b\r")
        #expect(session.expect("~a b\r\n~a b\r\n"), "\(session.text)")
        session.type("~.")
        #expect(session.waitForExit() == .exited(255))
        #expect(try session.settings() == before)
    }

    enum Ending: String, CaseIterable, CustomTestStringConvertible {
        case serverKilled, terminated, hungUp
        var testDescription: String { rawValue }
    }

    @Test("the local terminal's settings come back when the server dies or rsh is signalled",
          arguments: ServerMode.allCases, Ending.allCases)
    func settingsRestored(_ mode: ServerMode, _ ending: Ending) throws {
        let server = try ServerProcess(mode)
        let session = try terminal(server, ["echo started; exec sleep 100"])
        let before = try #require(session.initialSettings)
        #expect(session.expect("started\r\n"))
        #expect(try session.settings() != before, "the terminal is raw during the session")
        switch ending {
        case .serverKilled: server.process.signal(.kill)
        case .terminated: kill(session.processID, SIGTERM)
        case .hungUp: kill(session.processID, SIGHUP)
        }
        #expect(session.waitForExit() == .exited(255))
        #expect(try session.settings() == before)
    }

    @Test("a background process holding the terminal does not keep the session open", arguments: Setup.plain, [
        "sleep 100 & exit 0", "trap '' HUP; sleep 100 & echo holder $!; exit 0",
    ])
    func backgroundHolder(_ setup: Setup, _ command: String) throws {
        let start = ContinuousClock.now
        let session = try terminal(setup, [command])
        let status = session.waitForExit(timeout: .seconds(15))
        let elapsed = start.duration(to: .now)
        if let range = session.text.range(of: "holder "), let holder = Int32(session.text[range.upperBound...].prefix { $0.isNumber }) {
            kill(holder, SIGKILL)
        }
        #expect(status == .exited(0))
        #expect(elapsed < .seconds(5), "rsh took \(elapsed)")
    }

    @Test("rsh gone: the command's group is torn down, with no zombie and no descriptor left", arguments: ServerMode.allCases)
    func disconnectTearsDown(_ mode: ServerMode) throws {
        let server = try ServerProcess(mode, ["--grace", "1"])
        #expect(eventually { server.statistics.openDescriptorCount != nil })
        let baseline = try #require(server.statistics.openDescriptorCount)
        let session = try terminal(server, ["echo group $$; sleep 1000 & sleep 1000"])
        #expect(session.expect("\r\n"))
        let text = session.text
        let group = try #require(text.range(of: "group ").flatMap { Int32(text[$0.upperBound...].prefix { $0.isNumber }) })
        #expect(eventually { processesInGroup(group).count == 3 })
        kill(session.processID, SIGKILL)
        #expect(eventually(timeout: .seconds(5)) { processesInGroup(group).isEmpty })
        #expect(eventually(timeout: .seconds(5)) { !server.statistics.children.contains { $0.state == "Z" } })
        #expect(eventually(timeout: .seconds(5)) { server.statistics.openDescriptorCount == baseline },
                "rshd holds \(server.statistics.openDescriptorCount ?? -1) descriptors, \(baseline) before")
    }

    @Test("-t without a terminal says so and runs on pipes; -tt forces a terminal")
    func withoutLocalTerminal() throws {
        let server = Setup.plain[0].server
        let requested = try TestProcess.run([Binaries.rsh, "-t", server.address, "tty"], stdin: [])
        #expect(requested.stdout == "not a tty\n")
        #expect(requested.stderr.contains("stdin is not a terminal"))
        let forced = try TestProcess.run([Binaries.rsh, "-tt", server.address, "tty; cat"], stdin: Array("piped\n".utf8))
        // The remote terminal echoes the piped line, whenever it arrives, and cat writes it back.
        #expect(forced.stdout.contains("/dev/pts/"), "\(forced.stdout)")
        #expect(forced.stdout.components(separatedBy: "piped\r\n").count == 3, "\(forced.stdout)")
        #expect(forced.shellStatus == 0)
    }
}
