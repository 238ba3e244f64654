import CRSHSystem
import Foundation
import Glibc
import RemoteShell
import RSHProtocol
import RSHSystem
import Testing

/// rsh run in a pseudo-terminal, typed at as a user would.
final class TerminalSession {
    let master: Int32
    let processID: Int32
    private var transcript: [UInt8] = []

    init(_ arguments: [String]) throws {
        let terminal = try PseudoTerminal.open()
        master = terminal.master.rawValue
        let slave = terminal.slavePath
        // A new session whose first opened terminal becomes its controlling
        // terminal, so Ctrl-C typed at the master is SIGINT for rsh.
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, slave, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, crsh_POSIX_SPAWN_SETSID)
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = TestHome.environment.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
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

    /// Reads until the transcript since `mark` contains `text`; returns whether it did in time.
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

@Suite("rsh interactive, through a pseudo-terminal")
struct InteractiveTests {
    @Test("prompt, output, cd persistence, a failing status, Ctrl-C, exit")
    func session() throws {
        let server = try ServerProcess(.coroutine)
        let terminal = try TerminalSession([Binaries.rsh, server.address])
        let prompt = "\(server.address)$ "
        #expect(terminal.expect(prompt), "no prompt: \(terminal.text)")

        terminal.clear()
        terminal.type("echo hello from $((40+2))\n")
        #expect(terminal.expect("hello from 42"))
        #expect(terminal.expect(prompt))

        terminal.clear()
        terminal.type("cd /usr\n")
        #expect(terminal.expect("\(server.address):/usr$ "), "cd did not change the prompt: \(terminal.text)")
        terminal.clear()
        terminal.type("pwd\n")
        #expect(terminal.expect("/usr\r\n"))
        terminal.clear()
        terminal.type("cd bin\n")
        #expect(terminal.expect(":/usr/bin$ "))

        terminal.clear()
        terminal.type("false\n")
        #expect(terminal.expect("[exit 1]"))

        terminal.clear()
        // Expected texts are chosen so they cannot match the terminal's echo of what was typed.
        // exec: no fork for the SIGINT to race with (see PROTOCOL.md, `signal`).
        terminal.type("echo $((1+1)) started; exec sleep 100\n")
        #expect(terminal.expect("2 started\r\n"))
        terminal.type("\u{03}")
        #expect(terminal.expect("[signal INT]", timeout: .seconds(5)), "Ctrl-C did not interrupt: \(terminal.text)")
        #expect(terminal.expect("/usr/bin$ "))

        terminal.clear()
        terminal.type("echo still $((2+2))\n")
        #expect(terminal.expect("still 4\r\n"))

        terminal.type("exit\n")
        #expect(terminal.waitForExit() == .exited(0))
    }

    @Test("Ctrl-C at the prompt discards the line; Ctrl-D leaves")
    func promptKeys() throws {
        let server = try ServerProcess(.threaded)
        let terminal = try TerminalSession([Binaries.rsh, server.address])
        #expect(terminal.expect("$ "))
        terminal.clear()
        terminal.type("echo never")
        terminal.type("\u{03}")
        #expect(terminal.expect("$ "))
        terminal.clear()
        terminal.type("echo shown $((3*3))\n")
        #expect(terminal.expect("shown 9\r\n"))
        #expect(!terminal.text.contains("never"))
        terminal.type("\u{04}")
        #expect(terminal.waitForExit() == .exited(0))
    }
}
