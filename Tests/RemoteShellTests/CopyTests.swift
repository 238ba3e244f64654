import Foundation
import RemoteShell
import RSHProtocol
import RSHSystem
import RSHTestSupport
import Testing

/// `rsh cp` against real servers in every mode, checked as a user would:
/// sha256sum, stat and ls of what arrived, what is left when something
/// failed, what rsh says and its exit status.
@Suite("rsh cp")
struct CopyTests {
    /// `rsh cp ARGUMENTS`, to its end.
    static func copy(_ arguments: [String], timeout: Duration = .seconds(120)) throws -> TestProcess {
        try TestProcess.run([Binaries.rsh, "cp"] + arguments, timeout: timeout)
    }

    /// A file of `size` random bytes, from /dev/urandom.
    static func randomFile(_ path: String, size: Int) throws {
        let run = try TestProcess.run(["/bin/sh", "-c", "head -c \(size) /dev/urandom > \"$0\"", path])
        guard run.shellStatus == 0 else { throw TestFailure("cannot make \(path): \(run.stderr)") }
    }

    /// A directory for one test, under the test run's scratch directory.
    static func directory(_ name: String) throws -> String {
        let path = Scratch.path(name)
        try createDirectory(path)
        return path
    }

    /// A server setup and how rsh speaks to it: TLS (its default), with the
    /// setup's key if it has one; or in clear (`--plain`), to a server that
    /// authenticates nobody.
    struct Transport: Sendable, CustomTestStringConvertible {
        let setup: Setup
        let rshOptions: [String]
        var testDescription: String { setup.testDescription + (rshOptions.contains("--plain") ? ", plain v1" : ", rsh over TLS") }

        static let all = Setup.all.map { Transport(setup: $0, rshOptions: $0.rshOptions) }
            + Setup.plain.map { Transport(setup: $0, rshOptions: ["--plain"]) }
    }

    @Test("files of 0 B, 1 B, 64 KiB + 1 and 100 MiB of random bytes go up and come back with the same SHA-256",
          arguments: Transport.all)
    func roundTrips(_ transport: Transport) throws {
        let setup = transport.setup
        let local = try Self.directory("up")
        let remote = try Self.directory("remote")
        let back = try Self.directory("back")
        // 300 MiB a case, nine cases, some at once: each gives its disk back.
        defer { for directory in [local, remote, back] { removeTree(directory) } }
        let sizes = [0, 1, 65_537, 100 << 20]
        for size in sizes { try Self.randomFile("\(local)/\(size).bin", size: size) }
        let up = try Self.copy(transport.rshOptions + sizes.map { "\(local)/\($0).bin" } + ["\(setup.server.address):\(remote)"])
        #expect(up.shellStatus == 0, "\(up.stderr)")
        #expect(up.stderr.isEmpty, "no progress line when stderr is not a terminal")
        let down = try Self.copy(transport.rshOptions + sizes.map { "\(setup.server.address):\(remote)/\($0).bin" } + [back])
        #expect(down.shellStatus == 0, "\(down.stderr)")
        for size in sizes {
            let original = try FileChecks.sha256sum("\(local)/\(size).bin")
            #expect(try FileChecks.sha256sum("\(remote)/\(size).bin") == original, "\(size) bytes, up")
            #expect(try FileChecks.sha256sum("\(back)/\(size).bin") == original, "\(size) bytes, back")
        }
        #expect(try FileChecks.names(in: remote) == sizes.map { "\($0).bin" }.sorted())
    }

    /// A 5 GiB sparse file whose one byte past 4 GiB is not zero (a length
    /// kept in 32 bits would lose it), and its SHA-256, made once.
    static let sparseImage: (path: String, sha256: String) = {
        let path = Scratch.path("disk") + ".img"
        precondition(try! TestProcess.run(["truncate", "-s", "5G", path]).shellStatus == 0)
        precondition(try! TestProcess.run(["/bin/sh", "-c", "printf x | dd of=\"$0\" bs=1 seek=4294967297 conv=notrunc status=none",
                                           path]).shellStatus == 0)
        return (path, try! FileChecks.sha256sum(path))
    }()

    @Test("a 5 GiB sparse file crosses the 4 GiB boundary with the right size and hash, both ways",
          .serialized, arguments: Setup.plain)
    func past4GiB(_ setup: Setup) throws {
        // A server of its own: the shared blocking-mode server serves one
        // client at a time, and 10 GiB through a debug build keep it for
        // half a minute, longer than other tests wait for their replies.
        let server = try ServerProcess(setup.mode, setup.serverOptions)
        let remote = try Self.directory("sparse-remote")
        let local = try Self.directory("sparse-back")
        defer { for directory in [remote, local] { removeTree(directory) } }
        let up = try Self.copy(["-q", Self.sparseImage.path, "\(server.address):\(remote)/disk.img"], timeout: .seconds(600))
        #expect(up.shellStatus == 0, "\(up.stderr)")
        #expect(try FileChecks.stat("%s", remote + "/disk.img") == "5368709120")
        #expect(try FileChecks.sha256sum(remote + "/disk.img") == Self.sparseImage.sha256)
        let down = try Self.copy(["-q", "\(server.address):\(remote)/disk.img", local + "/disk.img"], timeout: .seconds(600))
        #expect(down.shellStatus == 0, "\(down.stderr)")
        #expect(try FileChecks.stat("%s", local + "/disk.img") == "5368709120")
        #expect(try FileChecks.sha256sum(local + "/disk.img") == Self.sparseImage.sha256)
    }

    @Test("zeros shorter than a frame still arrive as holes: 64 KiB of data every 256 KiB takes about a quarter of the blocks",
          arguments: Setup.plain)
    func holesWithinAFrame(_ setup: Setup) throws {
        let local = try Self.directory("holes")
        let remote = try Self.directory("holes-remote")
        defer { for directory in [local, remote] { removeTree(directory) } }
        var bytes: [UInt8] = []
        for _ in 0..<4 { bytes += FileChecks.randomBytes(65_536) + [UInt8](repeating: 0, count: 196_608) }
        try writeFile(local + "/image", bytes)
        let up = try Self.copy(["-q", local + "/image", "\(setup.server.address):\(remote)/image"])
        #expect(up.shellStatus == 0, "\(up.stderr)")
        #expect(try readFile(remote + "/image") == bytes)
        // Blocks of 512 bytes (%b): the data is 512 of them; written whole, the file would take 2,048.
        let blocks = try #require(Int(try FileChecks.stat("%b", remote + "/image")))
        #expect(blocks < 1_024, "\(blocks) blocks of 512 bytes for 256 KiB of data in 1 MiB")
    }

    static let awkwardNames = ["with space", "it's \"quoted\"", "new\nline", "-leading-dash", "ünïcødé ✓ 名前", "$(echo no)"]

    @Test("names with spaces, quotes, a newline, a leading dash and non-ASCII letters go up and come back", arguments: Setup.plain)
    func awkwardNames(_ setup: Setup) throws {
        let local = try Self.directory("names")
        let remote = try Self.directory("names-remote")
        let back = try Self.directory("names-back")
        for (index, name) in Self.awkwardNames.enumerated() { try writeFile("\(local)/\(name)", Array("file \(index)\n".utf8)) }
        // A leading dash after `--` is an operand, as for cp and scp.
        let up = try Self.copy(["--"] + Self.awkwardNames.map { "\(local)/\($0)" } + ["\(setup.server.address):\(remote)"])
        #expect(up.shellStatus == 0, "\(up.stderr)")
        let down = try Self.copy(["--"] + Self.awkwardNames.map { "\(setup.server.address):\(remote)/\($0)" } + [back])
        #expect(down.shellStatus == 0, "\(down.stderr)")
        for (index, name) in Self.awkwardNames.enumerated() {
            #expect(try readFile("\(remote)/\(name)") == Array("file \(index)\n".utf8), "\(name)")
            #expect(try readFile("\(back)/\(name)") == Array("file \(index)\n".utf8), "\(name)")
        }
        #expect(try FileChecks.names(in: back) == Self.awkwardNames.sorted())
    }

    @Test("modes 0755 and 0600 are kept; -p keeps modification times, and without it a copy's time is its own",
          arguments: Setup.plain)
    func modesAndTimes(_ setup: Setup) throws {
        let local = try Self.directory("modes")
        let remote = try Self.directory("modes-remote")
        try writeFile(local + "/tool", Array("#!/bin/sh\n".utf8))
        try writeFile(local + "/secret", Array("key\n".utf8))
        #expect(chmod(local + "/tool", 0o755) == 0 && chmod(local + "/secret", 0o600) == 0)
        #expect(try TestProcess.run(["touch", "-d", "@1000000000", local + "/tool", local + "/secret"]).shellStatus == 0)
        #expect(try Self.copy([local + "/tool", local + "/secret", "\(setup.server.address):\(remote)"]).shellStatus == 0)
        #expect(try FileChecks.stat("%a", remote + "/tool") == "755")
        #expect(try FileChecks.stat("%a", remote + "/secret") == "600")
        #expect(try Int(FileChecks.stat("%Y", remote + "/tool"))! > 1_700_000_000, "without -p, the copy is new")
        #expect(try Self.copy(["-p", local + "/tool", local + "/secret", "\(setup.server.address):\(remote)"]).shellStatus == 0)
        #expect(try FileChecks.stat("%a %Y", remote + "/tool") == "755 1000000000")
        #expect(try FileChecks.stat("%a %Y", remote + "/secret") == "600 1000000000")
        let back = try Self.directory("modes-back")
        #expect(try Self.copy(["-p", "\(setup.server.address):\(remote)/tool", back]).shellStatus == 0)
        #expect(try FileChecks.stat("%a %Y", back + "/tool") == "755 1000000000")
    }

    /// 1 GiB of content that is not zeros (zeros would be skipped over as
    /// holes, and a temporary file would not grow), made once.
    static let gigabyte: String = {
        let path = Scratch.path("gigabyte")
        let block = FileChecks.randomBytes(1 << 20)
        let fd = try! FileDescriptor.open(path, .writeOnly, options: [.create], permissions: 0o644)
        for _ in 0..<1024 { try! fd.writeAll(block) }
        fd.closeAfterUse()
        return path
    }()

    @Test("SIGKILL in the middle of a 1 GiB upload: the old file stays, no temporary file is left, and the server logs the failure",
          arguments: Setup.plain)
    func killedUpload(_ setup: Setup) throws {
        let remote = try Self.directory("killed")
        try writeFile(remote + "/big", Array("old content\n".utf8))
        let rsh = try TestProcess([Binaries.rsh, "cp", "-q", Self.gigabyte, "\(setup.server.address):\(remote)/big"])
        // The server has begun writing its temporary file.
        #expect(eventually(timeout: .seconds(30)) {
            guard let names = try? FileChecks.names(in: remote), let temporary = names.first(where: { $0.hasPrefix(".big.rsh-") }) else {
                return false
            }
            return (try? FileChecks.stat("%s", remote + "/" + temporary)).flatMap { Int($0) }.map { $0 > 10 << 20 } ?? false
        })
        rsh.signal(.kill)
        #expect(rsh.wait() == .signaled(.kill))
        #expect(eventually { (try? FileChecks.names(in: remote)) == ["big"] }, "\((try? FileChecks.names(in: remote)) ?? [])")
        #expect(try readFile(remote + "/big") == Array("old content\n".utf8))
        #expect(eventually { setup.server.log.contains("path=\"\(remote)/big\"") && setup.server.log.contains("failed=\"the connection was lost\"") })
    }

    @Test("a bit flipped on the way up is a hash mismatch, reported; the destination keeps its old content", arguments: Setup.plain)
    func flippedUp(_ setup: Setup) throws {
        let local = try Self.directory("flip-up")
        let remote = try Self.directory("flip-up-remote")
        try writeFile(local + "/data", [UInt8](repeating: 0xAB, count: 1 << 20))
        try writeFile(remote + "/data", Array("old\n".utf8))
        let proxy = try BitFlippingProxy(serverPort: setup.server.port, direction: .toServer, marker: 0xAB, occurrence: 500_000)
        // Plain: a bit flipped in TLS would be a failed record, the connection's end; here only the hash can tell.
        let run = try Self.copy(["--plain", local + "/data", "127.0.0.1:\(proxy.port):\(remote)/data"])
        #expect(run.shellStatus == 1)
        #expect(run.stderr.contains("rsh: \(remote)/data: the bytes that arrived have SHA-256 "), "\(run.stderr)")
        #expect(try readFile(remote + "/data") == Array("old\n".utf8))
        #expect(try FileChecks.names(in: remote) == ["data"])
    }

    @Test("a bit flipped on the way down is a hash mismatch, reported; the local file keeps its old content", arguments: Setup.plain)
    func flippedDown(_ setup: Setup) throws {
        let remote = try Self.directory("flip-down-remote")
        let local = try Self.directory("flip-down")
        try writeFile(remote + "/data", [UInt8](repeating: 0xAB, count: 1 << 20))
        try writeFile(local + "/data", Array("old\n".utf8))
        let proxy = try BitFlippingProxy(serverPort: setup.server.port, direction: .toClient, marker: 0xAB, occurrence: 700_000)
        let run = try Self.copy(["--plain", "127.0.0.1:\(proxy.port):\(remote)/data", local + "/data"])
        #expect(run.shellStatus == 1)
        #expect(run.stderr.contains("rsh: \(local)/data: the bytes that arrived have SHA-256 "), "\(run.stderr)")
        #expect(try readFile(local + "/data") == Array("old\n".utf8))
        #expect(try FileChecks.names(in: local) == ["data"])
    }

    @Test("two copies to one path at once: the result is one of them, whole", arguments: Setup.plain)
    func racingCopies(_ setup: Setup) throws {
        let local = try Self.directory("race")
        let remote = try Self.directory("race-remote")
        defer { for directory in [local, remote] { removeTree(directory) } }
        try Self.randomFile(local + "/one", size: 30 << 20)
        try Self.randomFile(local + "/two", size: 40 << 20)
        let first = try TestProcess([Binaries.rsh, "cp", local + "/one", "\(setup.server.address):\(remote)/same"])
        let second = try TestProcess([Binaries.rsh, "cp", local + "/two", "\(setup.server.address):\(remote)/same"])
        #expect(first.wait(timeout: .seconds(120)) == .exited(0), "\(first.stderr)")
        #expect(second.wait(timeout: .seconds(120)) == .exited(0), "\(second.stderr)")
        let result = try FileChecks.sha256sum(remote + "/same")
        #expect([try FileChecks.sha256sum(local + "/one"), try FileChecks.sha256sum(local + "/two")].contains(result))
        #expect(try FileChecks.names(in: remote) == ["same"])
    }

    @Test("a read-only destination directory gives a clear error and leaves nothing in it", arguments: ServerMode.allCases)
    func readOnlyDirectory(_ mode: ServerMode) throws {
        let local = try Self.directory("ro-local")
        try writeFile(local + "/file", Array("data\n".utf8))
        let remote = try Self.directory("ro")
        try FileChecks.giveToUnprivilegedUser(remote)
        #expect(chmod(remote, 0o555) == 0)
        let server = try ServerProcess(mode, try FileChecks.ownHostKey(), launcher: FileChecks.unprivilegedLauncher)
        let run = try Self.copy([local + "/file", "\(server.address):\(remote)"])
        #expect(run.shellStatus == 1)
        #expect(run.stderr == "rsh: \(remote)/file: Permission denied\n")
        #expect(try FileChecks.names(in: remote).isEmpty)
    }

    @Test("downloading a FIFO is refused at once, with no hang", arguments: Setup.plain)
    func fifo(_ setup: Setup) throws {
        // A server of its own: the shared blocking-mode server serves one
        // client at a time, and another test's copy ahead of this one would
        // count as this one's wait.
        let server = try ServerProcess(setup.mode, setup.serverOptions)
        let remote = try Self.directory("fifo")
        #expect(mkfifo(remote + "/pipe", 0o644) == 0)
        let local = try Self.directory("fifo-local")
        let started = ContinuousClock.now
        let run = try Self.copy(["\(server.address):\(remote)/pipe", local], timeout: .seconds(20))
        #expect(started.duration(to: .now) < .seconds(10))
        #expect(run.shellStatus == 1)
        #expect(run.stderr == "rsh: \(remote)/pipe: not a regular file\n")
        #expect(try FileChecks.names(in: local).isEmpty)
    }

    /// What `find` says of a tree: each entry's type, mode, path and link target, and each file's SHA-256.
    static func tree(_ root: String) throws -> [String] {
        let run = try TestProcess.run(["find", root, "-mindepth", "1", "-printf", "%y %m %P -> %l\\n"])
        var entries = run.stdout.split(separator: "\n").map(String.init).sorted()
        for line in entries where line.hasPrefix("f ") {
            let path = String(line.split(separator: " ", maxSplits: 2)[2].dropLast(4))
            entries.append("sha256 \(path) \(try FileChecks.sha256sum(root + "/" + path))")
        }
        return entries
    }

    @Test("-r copies a tree both ways: nested directories, an empty one, a symbolic link as a link; a FIFO is skipped with a warning",
          arguments: Setup.plain)
    func recursive(_ setup: Setup) throws {
        let base = try Self.directory("tree")
        let tree = base + "/project"
        try createDirectory(tree + "/src/lib/deep")
        try createDirectory(tree + "/empty")
        try writeFile(tree + "/README", Array("read me\n".utf8))
        try writeFile(tree + "/src/main.c", FileChecks.randomBytes(100_000))
        try writeFile(tree + "/src/lib/deep/data.bin", FileChecks.randomBytes(300_000))
        #expect(symlink("../README", tree + "/src/readme-link") == 0)
        #expect(mkfifo(tree + "/src/pipe", 0o600) == 0)
        #expect(chmod(tree + "/src/lib", 0o500) == 0, "a directory that its owner may not write to is still filled")
        defer { chmod(tree + "/src/lib", 0o700) }
        let remote = try Self.directory("tree-remote")
        let up = try Self.copy(["-r", tree, "\(setup.server.address):\(remote)"])
        #expect(up.shellStatus == 0, "skipping a special file is no failure: \(up.stderr)")
        #expect(up.stderr == "rsh: warning: \(tree)/src/pipe: skipped: special files are not copied\n")
        let expected = try Self.tree(tree).filter { !$0.contains("pipe") }
        #expect(try Self.tree(remote + "/project") == expected)
        let back = try Self.directory("tree-back")
        let down = try Self.copy(["-r", "\(setup.server.address):\(remote)/project", back + "/copy"])
        #expect(down.shellStatus == 0, "\(down.stderr)")
        #expect(try Self.tree(back + "/copy") == expected)
        chmod(remote + "/project/src/lib", 0o700)
        chmod(back + "/copy/src/lib", 0o700)
    }

    @Test("several sources need a directory; a directory needs -r; a missing source is named and the others are still copied",
          arguments: Setup.plain)
    func operandErrors(_ setup: Setup) throws {
        let local = try Self.directory("operands")
        try writeFile(local + "/a", Array("a\n".utf8))
        try writeFile(local + "/b", Array("b\n".utf8))
        let remote = try Self.directory("operands-remote")
        try writeFile(remote + "/file", [])
        let several = try Self.copy([local + "/a", local + "/b", "\(setup.server.address):\(remote)/file"])
        #expect(several.shellStatus == 1)
        #expect(several.stderr == "rsh: \(remote)/file: not a directory (several sources are copied into a directory)\n")
        let directory = try Self.copy([local, "\(setup.server.address):\(remote)"])
        #expect(directory.shellStatus == 1)
        #expect(directory.stderr == "rsh: \(local): is a directory (-r copies directories)\n")
        let missing = try Self.copy([local + "/a", local + "/none", local + "/b", "\(setup.server.address):\(remote)"])
        #expect(missing.shellStatus == 1)
        #expect(missing.stderr == "rsh: \(local)/none: No such file or directory\n")
        #expect(try FileChecks.names(in: remote) == ["a", "b", "file"])
        let both = try Self.copy([local + "/a", local + "/b"])
        #expect(both.shellStatus == 255)
        #expect(both.stderr.contains("are both local (use cp)"))
    }

    @Test("a server that cannot be reached, or whose name does not resolve, is exit status 255, with one line")
    func unreachable() throws {
        let local = try Self.directory("unreachable")
        try writeFile(local + "/a", [1])
        let run = try Self.copy([local + "/a", "127.0.0.1:1:x"])
        #expect(run.shellStatus == 255)
        #expect(run.stderr == "rsh: cannot connect to 127.0.0.1:1: Connection refused\n", "as rsh HOST COMMAND says it")
        let unresolved = try Self.copy([local + "/a", "no-such-host.invalid.:x"])
        #expect(unresolved.shellStatus == 255)
        #expect(unresolved.stderr.hasPrefix("rsh: cannot resolve the host name \"no-such-host.invalid.\": "), "\(unresolved.stderr)")
        #expect(unresolved.stderr.count(where: { $0 == "\n" }) == 1, "\(unresolved.stderr)")
    }

    @Test("a relative remote path is relative to the server user's HOME, and HOST: is HOME itself", arguments: ServerMode.allCases)
    func home(_ mode: ServerMode) throws {
        let home = try Self.directory("home")
        try createDirectory(home + "/inbox")
        let server = try ServerProcess(mode, try FileChecks.ownHostKey(), launcher: ["/usr/bin/env", "HOME=\(home)"])
        let local = try Self.directory("home-local")
        try writeFile(local + "/note", Array("hello\n".utf8))
        #expect(try Self.copy([local + "/note", "\(server.address):inbox"]).shellStatus == 0)
        #expect(try readFile(home + "/inbox/note") == Array("hello\n".utf8))
        #expect(try Self.copy([local + "/note", "\(server.address):"]).shellStatus == 0)
        #expect(try readFile(home + "/note") == Array("hello\n".utf8))
        let back = try Self.directory("home-back")
        #expect(try Self.copy(["\(server.address):inbox/note", back]).shellStatus == 0)
        #expect(try readFile(back + "/note") == Array("hello\n".utf8))
    }

    @Test("on a terminal, a progress line per file with its name, size, rate and time; with -q, nothing")
    func progress() throws {
        let server = SharedServers.server(Setup(mode: .coroutine, security: .plain))
        let local = try Self.directory("progress")
        try Self.randomFile(local + "/first.bin", size: 3 << 20)
        try writeFile(local + "/second.txt", Array("two\n".utf8))
        let remote = try Self.directory("progress-remote")
        let session = try TerminalSession([Binaries.rsh, "cp", local + "/first.bin", local + "/second.txt", "\(server.address):\(remote)"],
                                          size: WindowSize(rows: 24, columns: 100))
        #expect(session.waitForExit(timeout: .seconds(30)) == .exited(0))
        // Each line is redrawn after a carriage return: what shows is the last drawing.
        let lines = session.text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n").map { line in
            line.split(separator: "\r").last { !$0.isEmpty }.map(String.init) ?? ""
        }
        #expect(lines.count == 2, "one line per file: \(session.text.debugDescription)")
        let first = try #require(lines.first { $0.hasPrefix("first.bin ") }, "\(session.text.debugDescription)")
        #expect(first.contains("100%     3.0 MiB /    3.0 MiB"))
        #expect(first.contains("/s  in 0:"))
        #expect(lines.last?.hasPrefix("second.txt ") == true)
        #expect(lines.last?.contains("100%         4 B /        4 B") == true)
        #expect(session.text.contains("ETA"), "the line shows the time left while the file goes")
        let quiet = try TerminalSession([Binaries.rsh, "cp", "-q", local + "/first.bin", "\(server.address):\(remote)/third.bin"],
                                        size: WindowSize(rows: 24, columns: 100))
        #expect(eventually(timeout: .seconds(30)) { (try? readFile(remote + "/third.bin"))?.count == 3 << 20 })
        Thread.sleep(forTimeInterval: 0.2)
        #expect(!quiet.expect("%", timeout: .milliseconds(500)), "-q: \(quiet.text)")
    }
}

/// scp's operand syntax, as `rsh cp` reads it.
@Suite("rsh cp operands")
struct CopyOperandTests {
    @Test("what is remote, on which host and port, and what is local", arguments: [
        ("host:notes.txt", CopyOperand.remote(host: "host", path: "notes.txt")),
        ("host:", .remote(host: "host", path: "")),
        ("10.0.0.7:9000:/srv/a b", .remote(host: "10.0.0.7:9000", path: "/srv/a b")),
        ("node01:22:", .remote(host: "node01:22", path: "")),
        ("host:dir:with:colons", .remote(host: "host", path: "dir:with:colons")),
        ("host:+80:x", .remote(host: "host", path: "+80:x")),
        ("[::1]:notes", .remote(host: "[::1]", path: "notes")),
        ("[::1]:9000:notes", .remote(host: "[::1]:9000", path: "notes")),
        ("notes.txt", .local("notes.txt")),
        ("./a:b", .local("./a:b")),
        ("/tmp/a:b", .local("/tmp/a:b")),
        (":x", .local(":x")),
        ("[::1]", .local("[::1]")),
    ])
    func operands(_ text: String, _ expected: CopyOperand) {
        #expect(CopyOperand(text) == expected)
    }
}
