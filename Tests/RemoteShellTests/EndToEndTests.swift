import Foundation
import RemoteShell
import RSHProtocol
import RSHSystem
import RSHTestSupport
import Testing

/// The real `rsh` against the real `rshd`, as a user runs them.
@Suite("rsh end to end")
struct EndToEndTests {
    static let server = try! ServerProcess(.coroutine)

    @Test("one-shot: the remote exit status is rsh's", arguments: [
        ("true", 0), ("exit 3", 3), ("kill -TERM $$", 143), ("kill -KILL $$", 137), ("no-such-program-rsh", 127),
        ("kill -34 $$", 162), ("kill -49 $$", 177), ("kill -50 $$", 178), ("kill -64 $$", 192), ("kill -33 $$", 161),
    ] as [(String, Int32)])
    func oneShotStatus(_ command: String, _ status: Int32) throws {
        let rsh = try Self.server.rsh([command])
        #expect(rsh.shellStatus == status)
    }

    @Test("one-shot: words are joined and run by the remote shell; output is raw bytes")
    func oneShotOutput() throws {
        let rsh = try Self.server.rsh(["echo", "hello", "world;", "echo", "$((6*7))", ">&2"])
        #expect(rsh.stdout == "hello world\n")
        #expect(rsh.stderr == "42\n")
        let binary = try Self.server.rsh(["printf", "'\\000\\377\\200'"])
        #expect(binary.stdoutBytes == [0, 255, 128])
    }

    @Test("one-shot: stdin is forwarded with its end of file; -n does not forward it")
    func oneShotStdin() throws {
        let input = Array(repeating: Array("0123456789".utf8), count: 50_000).flatMap { $0 }
        #expect(try Self.server.rsh(["wc", "-c"], stdin: input).stdout.trimmingCharacters(in: .whitespaces) == "500000\n")
        #expect(try Self.server.rsh(["wc", "-c"], options: ["-n"], stdin: input).stdout.trimmingCharacters(in: .whitespaces) == "0\n")
    }

    @Test("--argv sends an exact argument vector: spaces and quotes survive")
    func argv() throws {
        let rsh = try Self.server.rsh(["printf", "%s|", "a b", "'single'", "\"double\"", "$HOME", "*"], options: ["--argv"])
        #expect(rsh.stdout == "a b|'single'|\"double\"|$HOME|*|")
        #expect(rsh.shellStatus == 0)
    }

    @Test("--env, --cwd and --timeout")
    func options() throws {
        let rsh = try Self.server.rsh(["pwd; echo $GREETING"], options: ["--cwd", "/usr", "--env", "GREETING=hi there"])
        #expect(rsh.stdout == "/usr\nhi there\n")
        let timedOut = try Self.server.rsh(["sleep 10"], options: ["--timeout", "0.3"])
        #expect(timedOut.shellStatus == 124)
        let badDirectory = try Self.server.rsh(["true"], options: ["--cwd", "/no/such/dir"])
        #expect(badDirectory.shellStatus == 255)
        #expect(badDirectory.stderr.contains("bad_cwd"))
    }

    /// `cd DIR && pwd -P` run here: DIR's physical path.
    static func physicalPath(_ directory: String) throws -> String {
        try TestProcess.run(["/bin/sh", "-c", "cd \"$1\" && pwd -P", "sh", directory]).stdout
    }

    @Test("commands run in the server user's home directory, as with ssh; a relative --cwd is relative to it",
          arguments: ServerMode.allCases)
    func homeDirectory(_ mode: ServerMode) throws {
        let server = try ServerProcess(mode)
        let home = try Self.physicalPath(TestHome.path)
        #expect(try server.rsh(["pwd -P"]).stdout == home)
        #expect(try server.rsh(["pwd -P"], options: ["--classic"]).stdout == home)
        #expect(try server.rsh(["pwd", "-P"], options: ["--argv"]).stdout == home)
        // PWD names the home directory as HOME spells it, as after `cd ~`,
        // through the shell and in a program run in its place alike.
        #expect(try server.rsh(["echo \"$PWD\""]).stdout == TestHome.path + "\n")
        #expect(try server.rsh(["printenv", "PWD"], options: ["--argv"]).stdout == TestHome.path + "\n")
        let subdirectory = try Self.physicalPath(TestHome.rshDirectory)
        #expect(try server.rsh(["pwd -P"], options: ["--cwd", ".rsh"]).stdout == subdirectory)
        #expect(try server.rsh(["pwd -P"], options: ["--cwd", "~/.rsh"]).stdout == subdirectory)
        #expect(try server.rsh(["pwd -P"], options: ["--cwd", "~"]).stdout == home)
        // The prompt's `cd -` after the first `cd` goes back home.
        let script = try server.rsh([], stdin: Array("pwd -P\ncd .rsh\npwd -P\ncd -\npwd -P\n".utf8))
        #expect(script.stdout == home + subdirectory + home, "\(script.stderr)")
    }

    @Test("a home directory rshd cannot enter, at its start or later: commands run in /, and the log says why")
    func unusableHomeDirectory() throws {
        let hostKey = ["--host-key", TestHome.rshDirectory + "/host_ed25519"]
        let missing = try ServerProcess(.coroutine, hostKey, launcher: ["/usr/bin/env", "HOME=/no/such/rsh-home"])
        #expect(missing.log.contains("cannot enter the home directory /no/such/rsh-home (No such file or directory)"), "\(missing.log)")
        let rsh = try missing.rsh(["pwd"])
        #expect(rsh.stdout == "/\n", "\(rsh.stderr)")

        let home = Scratch.path("home-removed-later")
        try createDirectory(home)
        let server = try ServerProcess(.threaded, hostKey, launcher: ["/usr/bin/env", "HOME=" + home])
        #expect(try server.rsh(["pwd -P"]).stdout == (try Self.physicalPath(home)))
        try removeDirectory(home)
        let afterwards = try server.rsh(["pwd"])
        #expect(afterwards.stdout == "/\n", "\(afterwards.stderr)")
        #expect(afterwards.shellStatus == 0)
        #expect(server.log.contains("cannot enter the home directory \(home) (No such file or directory): runs in /"), "\(server.log)")
    }

    @Test("rshd listens on every address of a range, and each one serves; its log folds them into one word",
          arguments: ServerMode.allCases)
    func severalAddresses(_ mode: ServerMode) throws {
        let running = try ServerProcess.onEvery("127.0.0.[1-20]", mode)
        #expect(running.log.contains("listening on 127.0.0.[1-20]:\(running.port) "))
        for host in [1, 7, 20] {
            let rsh = try TestProcess.run([Binaries.rsh, "127.0.0.\(host):\(running.port)", "echo served"])
            #expect(rsh.stdout == "served\n", "127.0.0.\(host): \(rsh.stderr)")
        }
        let outside = try TestProcess.run([Binaries.rsh, "127.0.0.21:\(running.port)", "true"])
        #expect(outside.shellStatus == 255)
    }

    @Test("rsh loads OpenSSL only when it speaks TLS: not with --plain")
    func openSSLOnlyForTLS() throws {
        for (options, loaded) in [(["--plain"], false), ([], true)] {
            let rsh = try TestProcess([Binaries.rsh] + options + [Self.server.address, "echo ready; sleep 5"])
            defer {
                rsh.signal(.interrupt)
                _ = rsh.wait()
            }
            #expect(eventually { rsh.stdout == "ready\n" }, "\(rsh.stderr)")
            let objects = ProcessStatistics(processID: rsh.processID).mappedFileNames
            #expect(objects.contains("libc.so.6"), "the maps of a running rsh: \(objects)")
            #expect(objects.contains { $0.hasPrefix("libssl.so") } == loaded, "\(options): \(objects.sorted())")
            #expect(objects.contains { $0.hasPrefix("libcrypto.so") } == loaded, "\(options): \(objects.sorted())")
        }
    }

    @Test("without a loadable libssl: over TLS and for rsh cp, status 255 and one line saying so; --plain commands still work")
    func withoutOpenSSL() throws {
        // A directory whose libssl.so.3 is no library: the loader finds it
        // first (LD_LIBRARY_PATH) and refuses it, as it would a missing one.
        let libraries = Scratch.path("broken-libssl")
        try createDirectory(libraries)
        try writeFile(libraries + "/libssl.so.3", Array("not a library\n".utf8))
        let environment = TestHome.environment + ["LD_LIBRARY_PATH=" + libraries]
        let tls = try TestProcess.run([Binaries.rsh, Self.server.address, "echo ran"], environment: environment)
        #expect(tls.shellStatus == 255)
        #expect(tls.stderr.hasPrefix("rsh: cannot load OpenSSL: ") && tls.stderr.split(separator: "\n").count == 1, "\(tls.stderr)")
        #expect(tls.stdout.isEmpty)
        let plain = try TestProcess.run([Binaries.rsh, "--plain", Self.server.address, "echo ran"], environment: environment)
        #expect(plain.stdout == "ran\n", "\(plain.stderr)")
        #expect(plain.shellStatus == 0)
        // A copy hashes every byte with libcrypto, --plain too: it fails
        // before it touches a file.
        let source = Scratch.path("source")
        try writeFile(source, Array("data\n".utf8))
        let destination = Scratch.path("destination")
        let copy = try TestProcess.run([Binaries.rsh, "cp", "--plain", source, "\(Self.server.address):\(destination)"],
                                       environment: environment)
        #expect(copy.shellStatus == 255)
        #expect(copy.stderr.hasPrefix("rsh: cannot load OpenSSL: ") && copy.stderr.split(separator: "\n").count == 1, "\(copy.stderr)")
        #expect((try? FileStatus(linkAt: destination)) == nil, "nothing arrived")
    }

    @Test("a busy address does not starve another: with 500 connections waiting on one, the one on the other is among the first taken",
          arguments: [ServerMode.threaded, .coroutine])
    func busyAddressDoesNotStarveAnother(_ mode: ServerMode) throws {
        // The blocking mode serves one connection at a time, so it takes no
        // other until that one ends: fairness between addresses is not its.
        let running = try ServerProcess.onEvery("127.0.0.[1-2]", mode, ["--max-connections", "1000", "--max-unauthenticated", "1000"])
        // While the server is stopped, the kernel completes the connections
        // into each address's backlog: 500 on the first, then one on the
        // second. The first ones usually wake the acceptor before the stop
        // takes hold, so it resumes in the middle of a burst on the first
        // address, with the second one's edge not yet taken from epoll: the
        // case where a busy address could starve the other. (An acceptor
        // stopped while waiting takes both edges in one wait, and passes
        // either way.)
        try signalProcess(running.processID, .stop)
        defer { try? signalProcess(running.processID, .resume) }
        var waiting: [FileDescriptor] = []
        defer { for fd in waiting { fd.closeAfterUse() } }
        for _ in 0..<500 { waiting.append(try FileDescriptor.connectedSocket(to: .ipv4(host: "127.0.0.1", port: running.port))) }
        let other = try FileDescriptor.connectedSocket(to: .ipv4(host: "127.0.0.2", port: running.port))
        waiting.append(other)
        let otherPeer = try other.localAddress()
        try signalProcess(running.processID, .resume)
        // The log's "conn=N open peer=..." lines are in the order of the accepts.
        #expect(eventually(timeout: .seconds(20)) { running.log.components(separatedBy: " open peer=").count > 501 }, "\(running.log.suffix(500))")
        let opened = running.log.split(separator: "\n").filter { $0.contains(" open peer=") }
        let position = try #require(opened.firstIndex { $0.contains(" open peer=\(otherPeer) ") }, "\(otherPeer) never opened")
        // In turn with the busy address (threaded), or at the first look
        // around after 64 accepts from it (coroutine); never after all 500.
        #expect(position < 150, "the connection to the other address was accepted \(position + 1)th of 501")
    }

    @Test("a malformed --listen range is a usage error: status 2 and one line")
    func malformedListenRange() throws {
        let rshd = try TestProcess.run([Binaries.rshd, "--listen", "127.0.0.[5-1]:9000"])
        #expect(rshd.shellStatus == 2)
        #expect(rshd.stderr.hasPrefix("rshd: ") && rshd.stderr.contains("ends before it starts"))
    }

    @Test("nothing listening: status 255 and one line on stderr")
    func nothingListening() throws {
        let rsh = try TestProcess.run([Binaries.rsh, "127.0.0.1:1", "true"])
        #expect(rsh.shellStatus == 255)
        #expect(rsh.stderr == "rsh: cannot connect to 127.0.0.1:1: Connection refused\n")
    }

    @Test("a host name that does not resolve: status 255 and one line naming it, as ssh; an address that is not one, or USER@HOST: status 2")
    func unresolvedHost() throws {
        // .invalid never resolves (RFC 6761); the final dot keeps the
        // resolver from trying it under the search domains first.
        let rsh = try TestProcess.run([Binaries.rsh, "no-such-host.invalid.", "true"])
        #expect(rsh.shellStatus == 255)
        #expect(rsh.stderr.hasPrefix("rsh: cannot resolve the host name \"no-such-host.invalid.\": "), "\(rsh.stderr)")
        #expect(rsh.stderr.count(where: { $0 == "\n" }) == 1, "\(rsh.stderr)")
        for address in ["[::1", "a:b:c", "bad host"] {
            let malformed = try TestProcess.run([Binaries.rsh, address, "true"])
            #expect(malformed.shellStatus == 2)
            #expect(malformed.stderr.hasPrefix("rsh: cannot understand the address \"\(address)\""), "\(malformed.stderr)")
        }
        // ssh's USER@HOST is named as what it is.
        let user = try TestProcess.run([Binaries.rsh, "alice@127.0.0.1", "true"])
        #expect(user.shellStatus == 2)
        #expect(user.stderr.hasPrefix("rsh: rsh takes no USER@ (\"alice@\")"), "\(user.stderr)")
        // A Unix socket's path may hold an @: it is a path, tried as one.
        let socketPath = try TestProcess.run([Binaries.rsh, "unix:/nonexistent/a@b.sock", "true"])
        #expect(socketPath.shellStatus == 255)
        #expect(socketPath.stderr.hasPrefix("rsh: cannot connect to unix:/nonexistent/a@b.sock: "), "\(socketPath.stderr)")
    }

    @Test("bad flags: status 2 and one line, for rsh and rshd")
    func badFlags() throws {
        let rsh = try TestProcess.run([Binaries.rsh, "--bogus", "host"])
        #expect(rsh.shellStatus == 2)
        #expect(rsh.stderr.hasPrefix("rsh: unknown option --bogus\n"))
        let late = try TestProcess.run([Binaries.rsh, "--plain", "cp", "a", "127.0.0.1:b"])
        #expect(late.shellStatus == 2)
        #expect(late.stderr.hasPrefix("rsh: cp comes first, before its options: rsh cp [OPTIONS] ...\n"))
        let rshd = try TestProcess.run([Binaries.rshd, "--mode", "fast"])
        #expect(rshd.shellStatus == 2)
        #expect(rshd.stderr.hasPrefix("rshd: unknown mode \"fast\""))
        let busy = try TestProcess.run([Binaries.rshd, "--listen", Self.server.address])
        #expect(busy.shellStatus == 1)
        #expect(busy.stderr == "rshd: cannot listen on \(Self.server.address): Address already in use\n")
    }

    @Test("scripted: each line runs in order; the status is the last command's; -e stops at the first failure")
    func scripted() throws {
        let script = Array("echo one\n\ncd /usr\npwd\nexit 4\necho three\n".utf8)
        let all = try Self.server.rsh([], stdin: script)
        #expect(all.stdout == "one\n/usr\nthree\n")
        #expect(all.shellStatus == 0)
        let stopping = try Self.server.rsh([], options: ["-e"], stdin: script)
        #expect(stopping.stdout == "one\n/usr\n")
        #expect(stopping.shellStatus == 4)
        let failingLast = try Self.server.rsh([], stdin: Array("true\nfalse\n".utf8))
        #expect(failingLast.shellStatus == 1)
    }

    @Test("--classic speaks the classic format to rshd", arguments: [ServerMode.blocking, .coroutine])
    func classic(_ mode: ServerMode) throws {
        let server = try ServerProcess(mode)
        let oneShot = try server.rsh(["echo out; echo err >&2; exit 5"], options: ["--classic"])
        #expect(oneShot.stdout == "err\nout\n")
        #expect(oneShot.shellStatus == 5)
        let scripted = try server.rsh([], options: ["--classic"], stdin: Array("echo a\necho b\n".utf8))
        #expect(scripted.stdout == "a\nb\n")
    }

    @Test("rshd stops on SIGTERM: running commands finish within the grace period, then it exits 0")
    func gracefulStop() throws {
        let server = try ServerProcess(.threaded, ["--grace", "5"])
        let client = try TestClient(port: server.port)
        try client.handshake()
        let id = try client.exec("sleep 0.5; echo finished")
        Thread.sleep(forTimeInterval: 0.1)
        server.process.signal(.terminate)
        let result = try client.collect([id])[id]
        #expect(result?.stdoutText == "finished\n")
        #expect(server.process.wait(timeout: .seconds(10)) == .exited(0))
    }

    @Test("at shutdown, commands that outlive the grace period are torn down", arguments: ServerMode.allCases)
    func shutdownTeardown(_ mode: ServerMode) throws {
        let server = try ServerProcess(mode, ["--grace", "0.3"])
        let client = try TestClient(port: server.port)
        try client.handshake()
        try client.exec("echo $$; trap '' TERM; sleep 100")
        let group = try #require(Int32(String(decoding: try client.readFrame().body, as: UTF8.self).trimmingCharacters(in: .newlines)))
        server.process.signal(.terminate)
        #expect(server.process.wait(timeout: .seconds(10)) == .exited(0))
        #expect(eventually { processesInGroup(group).isEmpty })
    }
}
