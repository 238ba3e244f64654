import RSHSpawn
import RSHSystem
import Testing

@Suite("Shell fast path")
struct ShellFastPathTests {
    @Test("plain commands are split on blanks", arguments: [
        ("echo hi", ["echo", "hi"]), ("ls  -l\t/tmp", ["ls", "-l", "/tmp"]), ("/bin/true", ["/bin/true"]),
        ("date +%s", ["date", "+%s"]), ("printf hello", ["printf", "hello"]), ("cat a:b", ["cat", "a:b"]),
    ])
    func direct(_ command: String, _ words: [String]) {
        #expect(ShellFastPath.directArguments(for: command) == words)
    }

    @Test("anything the shell might treat specially goes to the shell", arguments: [
        "echo 'x'", "echo \"x\"", "echo $HOME", "echo `id`", "ls *", "ls ?", "ls [a]", "ls ~", "echo a; echo b",
        "echo a & wait", "echo a | cat", "(echo a)", "echo a > /dev/null", "cat < /dev/null", "{ echo a; }",
        "echo # comment", "A=1 env", "echo a\nb", "echo a\\b", "cd /tmp", "exit 3", "export A", "exec ls",
        "set -e", "ulimit -n", "umask", ". /etc/profile", "eval ls", "test -d /", "[ -d / ]", "pwd", "kill 1",
        "echo -e x", "printf -v x", "true --help", "if", "", "   ", "! true",
    ])
    func shell(_ command: String) {
        #expect(ShellFastPath.directArguments(for: command) == nil)
    }

    /// Commands whose observable result is compared between the fast path and the shell.
    static let table = [
        "echo hi", "echo  a   b\tc", "true", "false", "printf hello", "ls -d /", "ls /no/such/path",
        "no-such-program-rsh", "no-such-program-rsh with args", "./no-such-relative-program", Fixtures.notExecutable,
        "/tmp", "/no/such/dir/program", "cat /etc/hostname", "uname -s", "sh -c exit", "sort /no/such/file",
        "head -c 5 /etc/passwd", "echo -n x", "echo é你", "ls /proc/self/fd/0",
    ]

    @Test("the fast path and /bin/sh -c give the same stdout, stderr and exit code", arguments: table)
    func sameAsShell(_ command: String) throws {
        let fast = try ChildProcess.run(CommandSpec(.shell(command)))
        let viaShell = try ChildProcess.run(CommandSpec(.argv(["/bin/sh", "-c", command])))
        #expect(fast.stdout == viaShell.stdout)
        #expect(fast.stderr == viaShell.stderr)
        #expect(fast.result.status == viaShell.result.status)
    }

    @Test("missing and non-executable programs exit 127 and 126 with the shell's messages")
    func missingAndNotExecutable() throws {
        let missing = try ChildProcess.run(CommandSpec(.shell("no-such-program-rsh")))
        #expect(missing.result.status == .exited(127))
        #expect(text(missing.stderr) == "/bin/sh: 1: no-such-program-rsh: not found\n")
        let denied = try ChildProcess.run(CommandSpec(.shell(Fixtures.notExecutable)))
        #expect(denied.result.status == .exited(126))
        #expect(text(denied.stderr) == "/bin/sh: 1: \(Fixtures.notExecutable): Permission denied\n")
    }
}
