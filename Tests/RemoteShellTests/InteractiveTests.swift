import CRSHSystem
import Foundation
import Glibc
import RemoteShell
import RSHProtocol
import RSHSystem
import Testing

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
        #expect(terminal.expect("$ "))
        // As a person types: not within milliseconds of the prompt (PromptEditingTests.historyPersists).
        Thread.sleep(forTimeInterval: 0.3)
        terminal.type("\u{04}")
        #expect(terminal.waitForExit() == .exited(0))
    }
}
