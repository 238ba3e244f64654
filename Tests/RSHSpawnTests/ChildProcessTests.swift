import Glibc
import RSHSpawn
import RSHSystem
import Testing

/// Runs `text` with /bin/sh -c (or the fast path, when it applies).
func shell(_ text: String, input: [UInt8]? = nil, environment: [String: String] = [:], directory: String? = nil,
           timeout: Duration? = nil, grace: Duration = .seconds(2)) throws -> ChildProcess.Collected {
    try ChildProcess.run(CommandSpec(.shell(text), environment: environment, workingDirectory: directory),
                         input: input, timeout: timeout, grace: grace)
}

func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

@Suite("Child processes")
struct ChildProcessTests {
    @Test("exit codes are reported", arguments: [0, 1, 3, 255] as [Int32])
    func exitCodes(_ code: Int32) throws {
        #expect(try shell("exit \(code)").result.status == .exited(code))
    }

    @Test("death by a signal is reported with the signal's name")
    func signaled() throws {
        let result = try shell("kill -TERM $$").result
        #expect(result.status == .signaled(.terminate))
        #expect(result.status.description == "signal TERM")
        #expect(!result.timedOut)
    }

    @Test("8 MiB on stdout and 8 MiB on stderr at once arrive whole and in order")
    func bothStreamsAtOnce() throws {
        let size = 8 * 1_048_576
        let collected = try shell("seq 1 1200000 | head -c \(size) & seq 1 1200000 | head -c \(size) >&2; wait")
        let expected = Array((1...1_200_000).map { "\($0)\n" }.joined().utf8.prefix(size))
        #expect(collected.stdout.count == size)
        #expect(collected.stderr.count == size)
        #expect(collected.stdout == expected)
        #expect(collected.stderr == expected)
        #expect(collected.result.status == .exited(0))
    }

    @Test("stdin goes through cat and ends with end of file")
    func stdinRoundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        let input = (0..<(3 * 1_048_576 + 17)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let collected = try shell("cat", input: input)
        #expect(collected.stdout == input)
        #expect(collected.result.status == .exited(0))
        #expect(try shell("wc -c", input: []).stdout == Array("0\n".utf8))
    }

    @Test("env and cwd are applied; a missing cwd is a clean error")
    func environmentAndDirectory() throws {
        #expect(text(try shell("echo \"$GREETING\" \"$HOME\"", environment: ["GREETING": "hi there"]).stdout)
                == "hi there \(ProcessIdentity.environmentValue("HOME") ?? "")\n")
        #expect(text(try shell("pwd", directory: "/usr/bin").stdout) == "/usr/bin\n")
        #expect(text(try shell("ls -d .", directory: "/tmp").stdout) == ".\n")
        #expect(throws: SpawnError.badWorkingDirectory("/no/such/dir", .noSuchFile)) { try shell("true", directory: "/no/such/dir") }
        #expect(throws: SpawnError.badWorkingDirectory("/etc/hostname", .notDirectory)) { try shell("true", directory: "/etc/hostname") }
    }

    @Test("a change to this process's own environment reaches the next command that asks for the same changes")
    func ownEnvironmentChanges() throws {
        let name = "RSH_TEST_OWN_ENVIRONMENT"
        defer { unsetenv(name) }
        func printed() throws -> String {
            text(try shell("echo \"${\(name)-unset}\" \"$GREETING\"", environment: ["GREETING": "hi"]).stdout)
        }
        unsetenv(name)
        #expect(try printed() == "unset hi\n")
        setenv(name, "first", 1)
        #expect(try printed() == "first hi\n")
        #expect(try printed() == "first hi\n")
        setenv(name, "second", 1)
        #expect(try printed() == "second hi\n")
        unsetenv(name)
        #expect(try printed() == "unset hi\n")
    }

    @Test("the child has only descriptors 0, 1 and 2, even while other children run")
    func onlyStandardDescriptors() throws {
        let other = try ChildProcess(CommandSpec(.shell("sleep 5"), wantsStdin: true))
        defer {
            other.beginTeardown()
            drain(other)
        }
        // $$ is the shell itself; "; true" keeps dash from exec'ing ls in its place.
        let listing = try shell("ls /proc/$$/fd; true")
        #expect(text(listing.stdout) == "0\n1\n2\n")
    }

    @Test("a descriptor opened without close-on-exec (as a library might) is not inherited either")
    func uncheckedDescriptorNotInherited() throws {
        // dup(2) never sets FD_CLOEXEC on the copy.
        let stray = Glibc.dup(1)
        try #require(stray > 2)
        defer { _ = Glibc.close(stray) }
        let listing = try shell("ls /proc/$$/fd; true")
        #expect(text(listing.stdout) == "0\n1\n2\n")
    }

    @Test("1,000 spawns leave no zombie and no descriptor behind")
    func noLeaks() throws {
        // Other tests run at the same time, so counting descriptors would be
        // unreliable: each child's own pipes and process descriptor are
        // identified instead, and looked for once it is done.
        var identities: Set<String> = []
        var processIDs: [Int32] = []
        for index in 0..<1_000 {
            let child = try ChildProcess(CommandSpec(.shell(index % 2 == 0 ? "true" : "echo \(index)"), wantsStdin: index % 3 == 0))
            for fd in [child.standardInput, child.standardOutput, child.standardError, child.exitDescriptor.descriptor] {
                if let fd, let name = identity(of: fd) { identities.insert(name) }
            }
            processIDs.append(child.processID)
            child.finishInput()
            drain(child)
        }
        #expect(identities.count >= 2_000)
        #expect(openIdentities().intersection(identities).isEmpty)
        #expect(processIDs.filter(isOurZombie).isEmpty)
    }

    @Test("yes | head -1 ends at once: the child gets SIGPIPE back even though we ignore it")
    func brokenPipeDefault() throws {
        SignalDisposition.ignoreBrokenPipe()
        let collected = try shell("yes | head -1", timeout: .seconds(20))
        #expect(text(collected.stdout) == "y\n")
        #expect(!collected.result.timedOut)
    }

    @Test("argv is executed exactly: no splitting, no quoting")
    func argvExact() throws {
        let collected = try ChildProcess.run(CommandSpec(.argv(["printf", "%s|", "a b", "'q'", "\"d\"", "$HOME", "*"])))
        #expect(text(collected.stdout) == "a b|'q'|\"d\"|$HOME|*|")
    }

    @Test("argv follows the shell's 127 and 126 rules")
    func argvMissingProgram() throws {
        let missing = try ChildProcess.run(CommandSpec(.argv(["no-such-program-rsh", "x"])))
        #expect(missing.result.status == .exited(127))
        #expect(text(missing.stderr).contains("no-such-program-rsh: not found"))
        let notExecutable = try ChildProcess.run(CommandSpec(.argv([Fixtures.notExecutable])))
        #expect(notExecutable.result.status == .exited(126))
        #expect(text(notExecutable.stderr).contains("Permission denied"))
        let otherPath = try ChildProcess.run(CommandSpec(.argv(["ls", "-d", "/"]), environment: ["PATH": "/nowhere"]))
        #expect(otherPath.result.status == .exited(127), "PATH from the request is the one searched")
    }

    @Test("a child reaped elsewhere (as the kernel does itself when SIGCHLD is ignored) ends its command without a crash")
    func reapedElsewhere() throws {
        let child = try ChildProcess(CommandSpec(.shell("echo out; exit 3")))
        #expect(try !child.exitDescriptor.descriptor.poll(for: .readable, timeoutMilliseconds: 10_000).isEmpty)
        var info = siginfo_t()
        try #require(waitid(P_PID, id_t(child.processID), &info, WEXITED) == 0)
        var output: [UInt8] = []
        child.drain { stream, bytes in if stream == .stdout { output += bytes } }
        #expect(text(output) == "out\n")
        #expect(child.finish().status == .exited(255), "its status is gone: reported as ssh reports a missing one")
    }

    @Test("the duration is measured")
    func duration() throws {
        let result = try shell("sleep 0.2").result
        #expect(result.duration >= .milliseconds(200))
        #expect(result.duration < .seconds(10))
    }
}

/// Runs a started child to completion, discarding its output, and reaps it.
func drain(_ child: ChildProcess) {
    child.drain { _, _ in }
    _ = child.finish()
}
