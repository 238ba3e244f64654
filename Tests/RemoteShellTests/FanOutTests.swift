import Foundation
import RemoteShell
import RSHProtocol
import RSHSystem
import RSHTestSupport
import Testing

/// `rsh -w`: one command on many hosts. Every host is an address of one
/// real rshd that listens on 127.0.0.1-50 (all of 127.0.0.0/8 is loopback),
/// and every command learns which one it was reached on from RSH_CONNECTION.
@Suite("Fan-out: rsh -w", .serialized)
struct FanOutTests {
    static let server = try! ServerProcess.onEvery("127.0.0.[1-50]", .coroutine, ["--max-unauthenticated", "1000"])

    static var port: UInt16 { server.port }
    static func hosts(_ range: String) -> String { "127.0.0.[\(range)]:\(port)" }
    /// The last octet of the address the command was reached on.
    static let octet = "set -- $RSH_CONNECTION; o=${3##*.}"

    static func rsh(_ arguments: [String], stdin: [UInt8]? = nil) throws -> TestProcess {
        try TestProcess.run([Binaries.rsh] + arguments, stdin: stdin, timeout: .seconds(60))
    }

    @Test("50 hosts each exit with the last octet of their address: -S gives the worst, the summary names every one")
    func worstStatus() throws {
        let run = try Self.rsh(["-w", Self.hosts("1-50"), "-S", "\(Self.octet); exit $o"])
        #expect(run.shellStatus == 50)
        let summary = run.stderr.split(separator: "\n")
        #expect(summary.count == 50)
        #expect(summary.contains("rsh: 127.0.0.7:\(Self.port): exited with status 7"))
        let plain = try Self.rsh(["-w", Self.hosts("1-50"), "\(Self.octet); exit $o"])
        #expect(plain.shellStatus == 1, "without -S, a failure is 1")
    }

    @Test("the summary folds the hosts that failed the same way into ranges")
    func foldedSummary() throws {
        let run = try Self.rsh(["-w", Self.hosts("1-20"), "\(Self.octet); exit $((o % 2))"])
        #expect(run.stderr == "rsh: 127.0.0.[1,3,5,7,9,11,13,15,17,19]:\(Self.port): exited with status 1\n")
        #expect(try Self.rsh(["-w", Self.hosts("1-20"), "-q", "\(Self.octet); exit $((o % 2))"]).stderr.isEmpty, "-q")
        #expect(try Self.rsh(["-w", Self.hosts("1-20"), "true"]).stderr.isEmpty, "nothing to say when all succeed")
    }

    @Test("--json: one object per host, with its exit status, and nothing else on stdout")
    func json() throws {
        let run = try Self.rsh(["-w", Self.hosts("1-50"), "--json", "\(Self.octet); echo at $o; exit $o"])
        let lines = run.stdoutBytes.split(separator: UInt8(ascii: "\n"))
        #expect(lines.count == 50)
        var seen: Set<Int> = []
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
            let host = try #require(object["host"] as? String)
            let octet = try #require(Int(host.split(separator: ".")[3].split(separator: ":")[0]))
            #expect(object["exit"] as? Int == octet)
            #expect(object["stdout"] as? String == "at \(octet)\n")
            seen.insert(octet)
        }
        #expect(seen == Set(1...50))
    }

    @Test("-b: equal output and status make one block; other output or another status make blocks of their own")
    func gathered() throws {
        let command = "\(Self.octet); if [ $o -gt 48 ]; then echo other; else echo same; fi; [ $o -ne 7 ]"
        let run = try Self.rsh(["-w", Self.hosts("1-50"), "-b", command])
        #expect(run.stdout == """
            ---------------
            127.0.0.[1-6,8-48]:\(Self.port)
            ---------------
            same
            ---------------
            127.0.0.7:\(Self.port) (exited with status 1)
            ---------------
            same
            ---------------
            127.0.0.[49-50]:\(Self.port)
            ---------------
            other

            """)
        #expect(run.stderr == "rsh: 127.0.0.7:\(Self.port): exited with status 1\n")
    }

    @Test("an unreachable host is reported apart from failed commands; with -S it makes the status 255")
    func unreachable() throws {
        let run = try Self.rsh(["-w", Self.hosts("1-3") + ",127.0.0.1:1", "-S", "exit 2"])
        #expect(run.shellStatus == 255)
        #expect(run.stderr == "rsh: 127.0.0.[1-3]:\(Self.port): exited with status 2\nrsh: 127.0.0.1:1: connection refused\n")
    }

    @Test("a host whose command outlives --timeout is reported as timed out, never as a success")
    func timeout() throws {
        let run = try Self.rsh(["-w", Self.hosts("1-2") + "," + Self.hosts("3"), "--timeout", "0.5", "-S",
                                "\(Self.octet); [ $o -eq 3 ] || sleep 10"])
        #expect(run.shellStatus == 124)
        #expect(run.stderr == "rsh: 127.0.0.[1-2]:\(Self.port): timed out\n")
    }

    @Test("--stdin sends the same bytes to every host")
    func stdin() throws {
        let input = Array((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let run = try Self.rsh(["-w", Self.hosts("1-10"), "--stdin", "-b", "md5sum"], stdin: input)
        let expected = try TestProcess.run(["md5sum"], stdin: input).stdout
        #expect(!expected.isEmpty)
        #expect(run.stdout == "---------------\n127.0.0.[1-10]:\(Self.port)\n---------------\n" + expected)
    }

    @Test("live output: with -f 1, a slow command's lines appear prefixed before it ends, hosts one after another")
    func liveLines() throws {
        let rsh = try TestProcess([Binaries.rsh, "-w", Self.hosts("1-2"), "-f", "1", "echo first; sleep 1.5; echo second"])
        #expect(eventually(timeout: .seconds(10)) { rsh.stdout.contains("127.0.0.1:\(Self.port): first\n") })
        #expect(!rsh.stdout.contains("second"), "the line came before the command ended")
        #expect(!rsh.stdout.contains("127.0.0.2"), "-f 1: the second host waits for the first")
        #expect(rsh.wait(timeout: .seconds(20))?.shellStatus == 0)
        #expect(rsh.stdout == "127.0.0.1:\(Self.port): first\n127.0.0.1:\(Self.port): second\n"
                + "127.0.0.2:\(Self.port): first\n127.0.0.2:\(Self.port): second\n")
    }

    @Test("Ctrl-C: what arrived is printed, the remote commands are gone within the grace period, and rsh exits 130")
    func interrupt() throws {
        let rsh = try TestProcess([Binaries.rsh, "-w", Self.hosts("1-5"), "echo $$; exec sleep 100"])
        #expect(eventually(timeout: .seconds(10)) { rsh.stdout.split(separator: "\n").count == 5 })
        let groups = rsh.stdout.split(separator: "\n").compactMap { Int32($0.split(separator: " ").last ?? "") }
        #expect(groups.count == 5)
        rsh.signal(.interrupt)
        #expect(rsh.wait(timeout: .seconds(10))?.shellStatus == 130)
        #expect(rsh.stderr.contains("still running on 127.0.0.[1-5]:\(Self.port)"))
        #expect(eventually(timeout: .seconds(5)) { groups.allSatisfy { processesInGroup($0).isEmpty } })
    }

    @Test("a second Ctrl-C stops commands that ignore the first: rsh exits 130, the server tears them down, nothing printed is lost")
    func secondInterrupt() throws {
        let rsh = try TestProcess([Binaries.rsh, "-w", Self.hosts("1-3"), "-b", "trap '' INT; echo $$; exec sleep 99.5"])
        #expect(eventually(timeout: .seconds(10)) { Self.sleeps().count >= 3 })
        rsh.signal(.interrupt)
        SystemThread.pause(for: .milliseconds(300))
        #expect(rsh.isRunning, "one Ctrl-C only interrupts; these commands ignore it")
        rsh.signal(.interrupt)
        #expect(rsh.wait(timeout: .seconds(10))?.shellStatus == 130)
        // -b held the output: it is printed at the end, the three pids under their hosts.
        let groups = rsh.stdout.split(separator: "\n").compactMap { Int32($0) }
        #expect(groups.count == 3, "\(rsh.stdout)")
        #expect(rsh.stderr.contains("127.0.0.[1-3]:\(Self.port): interrupted"), "\(rsh.stderr)")
        // The server tears a vanished client's commands down: TERM, then KILL after its grace.
        #expect(eventually(timeout: .seconds(8)) { groups.allSatisfy { processesInGroup($0).isEmpty } })
    }

    /// The `sleep 99.5` processes running now (a duration no other test uses).
    static func sleeps() -> [String] {
        (directoryEntries("/proc") ?? []).filter { readTextFile("/proc/\($0)/cmdline") == "sleep\u{0}99.5\u{0}" }
    }

    @Test("over TLS, a host whose key known_hosts does not list is refused (never asked about), named apart; --accept-new adds it")
    func unknownHostKeys() throws {
        let knownHosts = Scratch.path("known_hosts")
        let refused = try Self.rsh(["--known-hosts", knownHosts, "-w", Self.hosts("1-3"), "-S", "true"])
        #expect(refused.shellStatus == 255)
        #expect(refused.stderr.hasPrefix("rsh: 127.0.0.[1-3]:\(Self.port): unknown host key SHA256:"), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1)
        let accepted = try Self.rsh(["--known-hosts", knownHosts, "--accept-new", "-w", Self.hosts("1-3"), "-S", "true"])
        #expect(accepted.shellStatus == 0, "\(accepted.stderr)")
        #expect(readTextFile(knownHosts)?.split(separator: "\n").count == 3)
        #expect(try Self.rsh(["--known-hosts", knownHosts, "-w", Self.hosts("1-3"), "-S", "true"]).shellStatus == 0)
    }

    @Test("a malformed host range is a usage error: status 2 and one line")
    func malformed() throws {
        let run = try Self.rsh(["-w", "node[3-1]", "true"])
        #expect(run.shellStatus == 2)
        #expect(run.stderr.hasPrefix("rsh: host \"node[3-1]\": range \"3-1\" ends before it starts\n"))
    }

    @Test("-w ^FILE reads one host list per line; -x leaves hosts out")
    func hostFile() throws {
        let path = Scratch.path("hosts")
        try Data("# the lab\n\(Self.hosts("1-4"))\n\n127.0.0.9:\(Self.port)  # spare\n".utf8).write(to: URL(fileURLWithPath: path))
        let run = try Self.rsh(["-w", "^" + path, "-x", Self.hosts("2-3"), "-b", "\(Self.octet); echo $o"])
        let hosts = run.stdout.split(separator: "\n").filter { $0.hasPrefix("127.") }
        #expect(hosts.count == 3 && Set(run.stdout.split(separator: "\n").filter { $0.count <= 2 }) == ["1", "4", "9"])
    }

    @Test("pdsh runs rsh as its remote command (-R exec): prefixes, exit codes and -S come out right",
          .enabled(if: FileDescriptor.isExecutable("/usr/bin/pdsh"), "pdsh is not installed (.ci/run installs it)"))
    func underPdsh() throws {
        let run = try TestProcess.run(["/usr/bin/pdsh", "-R", "exec", "-S", "-w", "127.0.0.[1-10]",
                                       Binaries.rsh, "-p", "\(Self.port)", "%h", "\(Self.octet); echo at $o; exit $o"],
                                      timeout: .seconds(60))
        #expect(run.shellStatus == 10)
        for octet in 1...10 { #expect(run.stdout.contains("127.0.0.\(octet): at \(octet)\n")) }
    }

    @Test("ClusterShell's clush runs rsh as its ssh (ssh_path, ssh_options): gathered output and exit codes",
          .enabled(if: Self.clush != nil, "ClusterShell is not installed (.ci/run installs it)"))
    func underClush() throws {
        let run = try TestProcess.run([Self.clush!, "-S", "-O", "ssh_path=\(Binaries.rsh)", "-O", "ssh_options=-oPort=\(Self.port)",
                                       "-w", "127.0.0.[1-10]", "-b", "echo same; \(Self.octet); exit $((o > 8))"],
                                      timeout: .seconds(60))
        #expect(run.shellStatus == 1)
        // clush, too, keeps hosts with another exit code apart.
        #expect(run.stdout.contains("127.0.0.[1-8] (8)\n---------------\nsame\n"), "\(run.stdout)")
        #expect(run.stdout.contains("127.0.0.[9-10] (2)\n---------------\nsame\n"), "\(run.stdout)")
        #expect(run.stderr.contains("127.0.0.[9-10] (2): exited with exit code 1"), "\(run.stderr)")
    }

    /// ClusterShell's clush, where pip put it.
    static let clush: String? = {
        let paths = (ProcessIdentity.environmentValue("PATH") ?? "").split(separator: ":").map { $0 + "/clush" }
        return paths.first { FileDescriptor.isExecutable(String($0)) }.map(String.init)
    }()
}
