import Foundation
import RemoteShell
import RSHProtocol
import RSHSystem
import RSHTestSupport
import Testing

/// A command that does not read its stdin while the client has plenty to
/// send: signals and pings must still get through (PROTOCOL.md, "Stdin
/// flow control").
@Suite("Stdin flow control")
struct StdinFlowControlTests {
    /// 50 MB, far more than the socket buffers on both sides hold.
    static let endlessInput = [UInt8](repeating: UInt8(ascii: "y"), count: 50_000_000)

    /// `rsh HOST COMMAND` with `endlessInput` on its stdin; COMMAND prints its
    /// shell's pid (its process group) first. Returns rsh and that group.
    private static func rshForwardingInput(_ setup: Setup, _ command: String) throws -> (TestProcess, Int32) {
        let rsh = try TestProcess([Binaries.rsh] + setup.rshOptions + [setup.server.address, command], stdin: endlessInput)
        var group: Int32?
        let started = eventually(timeout: .seconds(20)) {
            group = Int32(rsh.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            return group != nil
        }
        guard started, let group else { throw TestFailure("the command did not start: \(rsh.stderr)") }
        return (rsh, group)
    }

    @Test("Ctrl-C reaches a command while rsh forwards stdin it does not read: INT ends it, rsh exits 130",
          arguments: Setup.all)
    func interruptWhileForwarding(_ setup: Setup) throws {
        // exec: no fork for the SIGINT to race with (see PROTOCOL.md, `signal`).
        let (rsh, group) = try Self.rshForwardingInput(setup, "echo $$; exec sleep 25")
        rsh.signal(.interrupt)
        #expect(eventually(timeout: .seconds(5)) { processesInGroup(group).isEmpty }, "the remote command outlived Ctrl-C")
        #expect(rsh.wait(timeout: .seconds(5)) == .exited(130))
        #expect(rsh.stderr.isEmpty)
    }

    @Test("a second Ctrl-C while stdin is forwarded tears down a command that ignores INT", arguments: Setup.plain)
    func secondInterruptWhileForwarding(_ setup: Setup) throws {
        let (rsh, group) = try Self.rshForwardingInput(setup, "trap '' INT; echo $$; exec sleep 25")
        rsh.signal(.interrupt)
        // Two SIGINTs close together are one pending signal: let rsh take the first.
        Thread.sleep(forTimeInterval: 0.5)
        #expect(!processesInGroup(group).isEmpty, "the command does not ignore INT")
        rsh.signal(.interrupt)
        #expect(eventually(timeout: .seconds(5)) { processesInGroup(group).isEmpty }, "the remote command outlived two Ctrl-Cs")
        // The teardown's TERM ends it (KILL only after the grace period).
        #expect(rsh.wait(timeout: .seconds(5)) == .exited(128 + Signal.terminate.rawValue))
    }

    @Test("rsh forwards all of its stdin to a server that gives no window (one that predates flow control)")
    func serverWithoutWindow() throws {
        let server = try FakeServer { connection in
            let exec = try connection.acceptV1Client()
            let id = exec["id"]?.integerValue ?? 0
            var received = 0
            while true {
                let frame = try connection.readFrame()
                if frame.type == "eof" { break }
                if frame.type == "stdin" { received += frame.body.count }
            }
            let count = Array("\(received)\n".utf8)
            try connection.send(FakeConnection.frame(#"{"type":"stdout","id":\#(id),"total_size":\#(count.count)}"#, body: count))
            try connection.send(FakeConnection.frame(
                #"{"type":"exit","id":\#(id),"code":0,"signal":null,"timed_out":false,"duration_ms":1,"total_size":0}"#))
            connection.drainUntilClosed()
        }
        let input = [UInt8](repeating: 0x78, count: 3_000_000)
        let rsh = try TestProcess.run([Binaries.rsh, "--plain", server.address, "wc -c"], stdin: input, timeout: .seconds(20))
        #expect(rsh.shellStatus == 0, "\(rsh.stderr)")
        #expect(rsh.stdout == "3000000\n")
    }

    @Test("ping and signal are answered while a command leaves its stdin unread", arguments: Setup.all)
    func pingWhileStdinUnread(_ setup: Setup) throws {
        let client = try setup.client()
        let hello = try client.handshake(stdinWindow: true)
        let id = try client.exec("exec sleep 25", stdin: true)
        // As much stdin as the window allows; a server without one gets what
        // a client without flow control would send.
        let total = Int(hello["stdin_window"]?.integerValue ?? 8 * 1_048_576)
        let deadline = ContinuousClock.now + .seconds(5)
        var sent = 0
        while sent < total {
            let count = min(65_536, total - sent)
            try client.send(.stdin(id: id, data: [UInt8](repeating: 0x61, count: count)), before: deadline)
            sent += count
        }
        try client.send(.ping, before: deadline)
        var frame = try client.readFrame(timeout: .seconds(5))
        while frame.type == "stdin_ack" { frame = try client.readFrame(timeout: .seconds(5)) }
        #expect(frame.type == "pong")
        try client.send(.signal(id: id, .interrupt), before: ContinuousClock.now + .seconds(5))
        repeat { frame = try client.readFrame(timeout: .seconds(5)) } while frame.type == "stdin_ack"
        #expect(frame.type == "exit")
        #expect(frame["signal"]?.stringValue == "INT")
    }
}
