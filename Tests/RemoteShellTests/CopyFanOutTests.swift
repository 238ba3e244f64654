import Foundation
import RemoteShell
import RSHProtocol
import RSHSystem
import RSHTestSupport
import Testing

/// `rsh cp -w`: one copy on many hosts, like pdcp, and `--gather` from
/// them, like rpdcp. Each host is an rshd of its own, on its own loopback
/// address, with its own HOME (so a relative destination lands in a
/// different home on each), and as another user than root when the tests
/// run as root (so that a read-only directory is one).
@Suite("rsh cp -w", .serialized)
struct CopyFanOutTests {
    /// Twenty servers on 127.0.0.1-20, one port, each with its home `homes[N-1]`.
    struct Hosts {
        let servers: [ServerProcess]
        let homes: [String]
        let port: UInt16
        var list: String { "127.0.0.[1-\(servers.count)]:\(port)" }
        func host(_ number: Int) -> String { "127.0.0.\(number):\(port)" }
    }

    static func hosts(_ mode: ServerMode, count: Int = 20) throws -> Hosts {
        var homes: [String] = []
        for number in 1...count {
            let home = Scratch.path("home\(number)")
            try createDirectory(home + "/inbox")
            try FileChecks.giveToUnprivilegedUser(home)
            try FileChecks.giveToUnprivilegedUser(home + "/inbox")
            homes.append(home)
        }
        // A free port on 127.0.0.1 is almost always free on the others too; try a few.
        for _ in 0..<10 {
            let port = UInt16.random(in: 20_000...60_000)
            var servers: [ServerProcess] = []
            for (index, home) in homes.enumerated() {
                guard let server = try? ServerProcess(mode, try FileChecks.ownHostKey(),
                                                      launcher: FileChecks.unprivilegedLauncher + ["/usr/bin/env", "HOME=\(home)"],
                                                      listen: "127.0.0.\(index + 1):\(port)") else {
                    break
                }
                servers.append(server)
            }
            if servers.count == count { return Hosts(servers: servers, homes: homes, port: port) }
        }
        throw TestFailure("no port was free on 127.0.0.1-\(count)")
    }

    @Test("a file goes to 20 hosts, into a path relative to each one's HOME, verified; one host's read-only directory is named",
          arguments: ServerMode.allCases)
    func put(_ mode: ServerMode) throws {
        let hosts = try Self.hosts(mode)
        #expect(chmod(hosts.homes[6] + "/inbox", 0o555) == 0)
        let local = Scratch.path("payload")
        try writeFile(local, FileChecks.randomBytes(2_000_000))
        let expected = try FileChecks.sha256sum(local)
        let run = try TestProcess.run([Binaries.rsh, "cp", "-w", hosts.list, local, "inbox"], timeout: .seconds(120))
        #expect(run.shellStatus == 1)
        let name = String(local.split(separator: "/").last!)
        #expect(run.stderr == """
            rsh: \(hosts.host(7)): \(hosts.homes[6])/inbox/\(name): Permission denied
            rsh: \(hosts.host(7)): 1 file not copied

            """)
        for (index, home) in hosts.homes.enumerated() {
            if index == 6 {
                #expect(try FileChecks.names(in: home + "/inbox").isEmpty)
            } else {
                #expect(try FileChecks.sha256sum(home + "/inbox/" + name) == expected, "host \(index + 1)")
                #expect(try FileChecks.names(in: home + "/inbox") == [name], "nothing else left on host \(index + 1)")
            }
        }
    }

    @Test("--gather fetches a path from every host into DIR/HOST/; a host without it is named", arguments: ServerMode.allCases)
    func gather(_ mode: ServerMode) throws {
        let hosts = try Self.hosts(mode, count: 5)
        for (index, home) in hosts.homes.enumerated() where index != 2 {
            try writeFile(home + "/inbox/report.txt", Array("host \(index + 1)\n".utf8))
        }
        let local = Scratch.path("gathered")
        try createDirectory(local)
        let run = try TestProcess.run([Binaries.rsh, "cp", "-w", hosts.list, "--gather", "inbox/report.txt", local], timeout: .seconds(60))
        #expect(run.shellStatus == 1)
        #expect(run.stderr == """
            rsh: \(hosts.host(3)): \(hosts.homes[2])/inbox/report.txt: No such file or directory
            rsh: \(hosts.host(3)): 1 file not copied

            """)
        for number in 1...5 where number != 3 {
            #expect(try readFile("\(local)/\(hosts.host(number))/report.txt") == Array("host \(number)\n".utf8))
        }
        #expect(try FileChecks.names(in: local).count == 5, "a directory for each host, the one that failed too")
    }

    @Test("-r puts a tree on every host; an unreachable host is in the summary, apart")
    func treeAndUnreachable() throws {
        let hosts = try Self.hosts(.coroutine, count: 3)
        let tree = Scratch.path("fanout-tree")
        try createDirectory(tree + "/sub/empty")
        try writeFile(tree + "/sub/file", Array("x\n".utf8))
        #expect(symlink("sub/file", tree + "/link") == 0)
        let run = try TestProcess.run([Binaries.rsh, "cp", "-r", "-w", hosts.list + ",127.0.0.1:1", tree, "inbox"], timeout: .seconds(60))
        #expect(run.shellStatus == 1)
        #expect(run.stderr == "rsh: 127.0.0.1:1: connection refused\n")
        let name = String(tree.split(separator: "/").last!)
        for home in hosts.homes {
            #expect(try readFile(home + "/inbox/\(name)/sub/file") == Array("x\n".utf8))
            #expect(try FileChecks.stat("%F", home + "/inbox/\(name)/sub/empty") == "directory")
            #expect(try FileChecks.stat("%N", home + "/inbox/\(name)/link").hasSuffix("-> 'sub/file'"))
        }
    }
}
