import CRSHSystem
import Foundation
import Glibc
import RSHProtocol
import RSHSystem

/// rsh run in a pseudo-terminal, typed at as a user would: the terminal is
/// rsh's controlling terminal, so Ctrl-C typed at the master is SIGINT for it,
/// and a change of the window's size is SIGWINCH.
final class TerminalSession {
    let master: Int32
    let slavePath: String
    let processID: Int32
    /// The terminal's settings before rsh started (`stty -g`), when asked for.
    private(set) var initialSettings: String?
    private var transcript: [UInt8] = []

    /// `size`: the window's size before rsh starts. `environment`: variables
    /// to set for rsh (the rest is `TestHome.environment`).
    /// `recordingSettings`: keep the terminal's settings from before rsh starts (`initialSettings`).
    init(_ arguments: [String], size: WindowSize? = nil, environment: [String: String] = [:],
         recordingSettings: Bool = false) throws {
        let terminal = try PseudoTerminal.open(size: size)
        master = terminal.master.rawValue
        slavePath = terminal.slavePath
        if recordingSettings { initialSettings = try Self.settings(of: slavePath) }
        // A new session whose first opened terminal becomes its controlling
        // terminal, so Ctrl-C typed at the master is SIGINT for rsh.
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, slavePath, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, crsh_POSIX_SPAWN_SETSID)
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        // The tests' home (their known_hosts and identity), as every rsh the tests run has.
        var variables: [String: String] = [:]
        for entry in TestHome.environment {
            guard let equals = entry.firstIndex(of: "=") else { continue }
            variables[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
        }
        for (name, value) in environment { variables[name] = value }
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
        guard result == 0 else { throw TestFailure("posix_spawn: \(result)") }
        processID = pid
    }

    deinit {
        kill(processID, SIGKILL)
        var status: Int32 = 0
        waitpid(processID, &status, 0)
        close(master)
    }

    func type(_ text: String) {
        _ = text.utf8CString.withUnsafeBufferPointer { write(master, $0.baseAddress, $0.count - 1) }
    }

    /// Reads until the transcript contains `text`; returns whether it did in time.
    func expect(_ text: String, timeout: Duration = .seconds(10)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !String(decoding: transcript, as: UTF8.self).contains(text) {
            var fds = [pollfd(fd: master, events: Int16(POLLIN), revents: 0)]
            guard poll(&fds, 1, pollTimeout(until: deadline)) > 0 else { return false }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = read(master, &buffer, buffer.count)
            guard count > 0 else { return false }
            transcript += buffer[..<count]
        }
        return true
    }

    /// Forgets what was read so far, so the next `expect` looks only at new output.
    func clear() { transcript.removeAll() }

    var text: String { String(decoding: transcript, as: UTF8.self) }

    /// Sets the window's size; the kernel sends SIGWINCH to rsh (the
    /// terminal's foreground group) when it changes.
    func resize(_ size: WindowSize) throws {
        try FileDescriptor(rawValue: master).setWindowSize(size)
    }

    /// The terminal's settings as `stty -g` prints them: to compare before and after.
    func settings() throws -> String { try Self.settings(of: slavePath) }

    private static func settings(of slavePath: String) throws -> String {
        let stty = try TestProcess.run(["stty", "-g", "-F", slavePath], timeout: .seconds(10))
        guard stty.shellStatus == 0 else { throw TestFailure("stty: \(stty.stderr)") }
        return stty.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Waits for rsh to exit; its status.
    func waitForExit(timeout: Duration = .seconds(10)) -> RSHProtocol.ExitStatus? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var status: Int32 = 0
            if waitpid(processID, &status, WNOHANG) == processID {
                return status & 0x7F == 0 ? .exited((status >> 8) & 0xFF) : .signaled(Signal(rawValue: status & 0x7F))
            }
            // Keep draining the terminal so rsh never blocks writing to it.
            _ = expect("\u{0}never", timeout: .milliseconds(20))
        }
        return nil
    }
}
