import Foundation
import RSHProtocol
import RSHSystem
import RSHTestSupport
import Testing

/// Commands on a pseudo-terminal, spoken to at the frame level (section 3
/// of PROTOCOL.md: `pty`, `resize`, `eof` on a terminal), in every mode.
@Suite("Conformance: commands on a terminal")
struct TerminalConformanceTests {
    static let request = TerminalRequest(term: "xterm-256color", size: WindowSize(rows: 40, columns: 100))

    @Test("a pty command: its terminal, a resize, typed input, eof as VEOF, one output stream", arguments: Setup.all)
    func terminalCommand(_ setup: Setup) throws {
        let client = try setup.client()
        try client.handshake()
        // The loop waits for the resize, so that SIGWINCH cannot interrupt the `read`.
        let script = "tty; stty size; trap 'stty size; resized=1' WINCH; echo ready; "
            + "while [ -z \"$resized\" ]; do sleep 0.05; done; read line; echo \"got $line\"; cat; echo \"cat ended\" >&2"
        try client.send(.exec(ExecRequest(id: 1, command: .shell(script), terminal: Self.request)))
        var output = ""
        func readUntil(_ text: String) throws {
            while !output.contains(text) {
                let frame = try client.readFrame(timeout: .seconds(10))
                #expect(frame.type == "stdout", "a terminal has one output stream: \(frame.header)")
                guard frame.type == "stdout" else { throw TestFailure("unexpected \(frame.header) after \(output)") }
                output += String(decoding: frame.body, as: UTF8.self)
            }
        }
        try readUntil("ready\r\n")
        #expect(output.hasPrefix("/dev/pts/"))
        #expect(output.contains("\r\n40 100\r\n"))
        try client.send(.resize(id: 1, WindowSize(rows: 50, columns: 132)))
        try readUntil("50 132\r\n")
        try client.send(.stdin(id: 1, data: Array("typed\r".utf8)))
        try readUntil("got typed\r\n")
        try client.send(.eof(id: 1))
        try readUntil("cat ended\r\n")
        let exit = try client.readFrame(timeout: .seconds(10))
        #expect(exit.type == "exit")
        #expect(exit["code"]?.integerValue == 0)
    }

    @Test("the login shell, started as a login shell", arguments: Setup.plain)
    func loginShell(_ setup: Setup) throws {
        let client = try setup.client()
        try client.handshake()
        try client.send(.exec(ExecRequest(id: 1, command: .loginShell, terminal: Self.request)))
        try client.send(.stdin(id: 1, data: Array("echo \"zero=$0\"; exit 3\r".utf8)))
        let result = try client.collect([1], timeout: .seconds(20))[1]!
        let shell = (ProcessIdentity.loginShell ?? "/bin/sh").split(separator: "/").last.map(String.init) ?? "sh"
        #expect(result.stdoutText.contains("zero=-\(shell)\r\n"), "\(result.stdoutText)")
        #expect(result.code == 3)
    }
}
