import Foundation
import RemoteShell
import RSHProtocol
import RSHSystem
import Testing

/// The exit status `rsh` takes from a server's report, against fake servers
/// that report any number: only a status a process can have is passed on.
@Suite("rsh: the exit status a server reports")
struct ExitStatusTests {
    /// One-shot `rsh` against a v1 server whose `exit` frame has `"code": CODE`.
    private static func v1(code: String) throws -> TestProcess {
        let server = try FakeServer { connection in
            let exec = try connection.acceptV1Client()
            let id = exec["id"]?.integerValue ?? 0
            try connection.send(FakeConnection.frame(
                #"{"type":"exit","id":\#(id),"code":\#(code),"signal":null,"timed_out":false,"duration_ms":1,"total_size":0}"#))
            connection.drainUntilClosed()
        }
        return try TestProcess.run([Binaries.rsh, "--plain", "-n", server.address, "true"], timeout: .seconds(10))
    }

    /// One-shot `rsh --classic` against a server whose reply header has `members` and the body "hi\n".
    private static func classic(_ members: String) throws -> TestProcess {
        let server = try FakeServer { connection in
            _ = try connection.readChunk()
            try connection.send(FakeConnection.frame("{\(members)\"total_size\":3}", body: Array("hi\n".utf8)))
            connection.drainUntilClosed()
        }
        return try TestProcess.run([Binaries.rsh, "--classic", server.address, "true"], timeout: .seconds(10))
    }

    /// 255 and one line on stderr, as ssh reports a connection or protocol error.
    private static func isProtocolError(_ rsh: TestProcess) -> Bool {
        rsh.shellStatus == 255 && rsh.stderr.hasPrefix("rsh: ") && rsh.stderr.hasSuffix("\n")
            && rsh.stderr.count { $0 == "\n" } == 1
    }

    @Test("v1: a code in 0...255 is rsh's exit status", arguments: [0, 7, 255] as [Int32])
    func v1Status(_ code: Int32) throws {
        let rsh = try Self.v1(code: "\(code)")
        #expect(rsh.shellStatus == code)
        #expect(rsh.stderr.isEmpty)
    }

    @Test("v1: a code outside 0...255 is a protocol error: 255 and one line",
          arguments: ["256", "-256", "-1", "512", "2147483648"])
    func v1OutOfRange(_ code: String) throws {
        let rsh = try Self.v1(code: code)
        #expect(Self.isProtocolError(rsh), "status \(String(describing: rsh.shellStatus)), stderr \(rsh.stderr)")
    }

    @Test("classic: exit_code 0...255 is the status, -N (a signal) is 128+N, no exit_code is 0",
          arguments: [("\"exit_code\":3,", 3), ("\"exit_code\":255,", 255), ("\"exit_code\":-9,", 137),
                      ("\"exit_code\":-64,", 192), ("", 0)] as [(String, Int32)])
    func classicStatus(_ members: String, _ status: Int32) throws {
        let rsh = try Self.classic(members)
        #expect(rsh.shellStatus == status)
        #expect(rsh.stdout == "hi\n")
        #expect(rsh.stderr.isEmpty)
    }

    @Test("classic: any other exit_code is a protocol error: 255 and one line",
          arguments: ["256", "-256", "-2147483648", "-65", "-1000", "2147483648", "\"1\"", "1.5", "null"])
    func classicOutOfRange(_ code: String) throws {
        let rsh = try Self.classic("\"exit_code\":\(code),")
        #expect(Self.isProtocolError(rsh), "status \(String(describing: rsh.shellStatus)), stderr \(rsh.stderr)")
    }
}
