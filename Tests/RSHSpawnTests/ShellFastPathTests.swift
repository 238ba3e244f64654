import RSHSpawn
import RSHSystem
import Testing

@Suite("Shell fast path")
struct ShellFastPathTests {
    @Test("plain commands are split on blanks", arguments: [
        ("printenv HOME", ["printenv", "HOME"]), ("ls  -l\t/tmp", ["ls", "-l", "/tmp"]), ("/bin/true", ["/bin/true"]),
        ("date +%s", ["date", "+%s"]), ("uname -s", ["uname", "-s"]), ("cat a:b", ["cat", "a:b"]),
        ("true", ["/bin/true"]), ("false", ["/bin/false"]), ("  true ", ["/bin/true"]),
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
        "echo hi", "printf hello", "printf %q hello", "true x", "false --help", "test", "kill -l", "pwd -P", "type ls", "command ls",
    ])
    func shell(_ command: String) {
        #expect(ShellFastPath.directArguments(for: command) == nil)
    }

    @Test("every name dash runs as a builtin or keyword goes to the shell, though a program of that name is in PATH; bare true and false run their system program")
    func builtinsGoToTheShell() throws {
        // A name with no program behind it goes to the shell anyway (the
        // direct exec finds nothing), so the programs in PATH are the ones to ask about.
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-".utf8)
        let directories = (ProcessIdentity.environmentValue("PATH") ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        let names = Set(directories.flatMap { directoryEntries($0) ?? [] }).filter { $0.utf8.allSatisfy(safe.contains) }
        let answers = try ChildProcess.run(CommandSpec(.argv(["/bin/sh", "-c", names.sorted().map { "type \($0)" }.joined(separator: "\n")])))
        let builtins = text(answers.stdout).split(separator: "\n").filter {
            $0.hasSuffix(" is a shell builtin") || $0.hasSuffix(" is a special shell builtin") || $0.hasSuffix(" is a shell keyword")
        }.map { String($0.prefix { $0 != " " }) }
        #expect(builtins.contains("echo") && builtins.contains("printf") && builtins.contains("true"))
        for name in builtins {
            let bare = ShellFastPath.directArguments(for: name)
            #expect(bare == (["true", "false"].contains(name) ? ["/bin/\(name)"] : nil), "\(name)")
            #expect(ShellFastPath.directArguments(for: "\(name) x") == nil, "\(name) x")
        }
    }

    /// Commands whose observable result is compared between the fast path and the shell.
    static let table = [
        "echo hi", "echo  a   b\tc", "true", "false", "printf hello", "printf %q hello", "ls -d /", "ls /no/such/path",
        "no-such-program-rsh", "no-such-program-rsh with args", "./no-such-relative-program", Fixtures.notExecutable,
        "/tmp", "/no/such/dir/program", "cat /etc/hostname", "uname -s", "sh -c exit", "sort /no/such/file",
        "head -c 5 /etc/passwd", "echo -n x", "echo é你", "ls /proc/self/fd/0", "printenv PWD", "/bin/pwd -L",
        "true x", "false x",
    ]

    /// The same command through the shell, with the environment and directory
    /// the request gave: the ";" is shell syntax, so it is never executed directly.
    static func viaShell(_ command: String, environment: [String: String] = [:], directory: String? = nil) throws -> ChildProcess.Collected {
        try ChildProcess.run(CommandSpec(.shell(command + ";"), environment: environment, workingDirectory: directory))
    }

    @Test("the fast path and /bin/sh -c give the same stdout, stderr and exit code", arguments: table)
    func sameAsShell(_ command: String) throws {
        let fast = try ChildProcess.run(CommandSpec(.shell(command)))
        let viaShell = try Self.viaShell(command)
        #expect(fast.stdout == viaShell.stdout)
        #expect(fast.stderr == viaShell.stderr)
        #expect(fast.result.status == viaShell.result.status)
    }

    @Test("names the shell does not take in (not shell names) are not passed on by the fast path either")
    func environmentNames() throws {
        let environment = ["NOT-A-NAME": "x", "1ST": "y", "GOOD_NAME": "z"]
        let fast = try ChildProcess.run(CommandSpec(.shell("printenv"), environment: environment))
        let viaShell = try Self.viaShell("printenv", environment: environment)
        #expect(text(fast.stdout).split(separator: "\n").sorted() == text(viaShell.stdout).split(separator: "\n").sorted())
        #expect(text(fast.stdout).contains("GOOD_NAME=z\n"))
        // An exact argument vector is no shell: it gets every name.
        let exact = try ChildProcess.run(CommandSpec(.argv(["printenv", "NOT-A-NAME"]), environment: environment))
        #expect(text(exact.stdout) == "x\n")
    }

    /// A working directory, and the PWD the request sets (nil: the server's own).
    struct DirectoryCase: Sendable, CustomTestStringConvertible {
        let directory: String?
        let pwd: String?
        var testDescription: String { "cwd \(directory ?? "(none)"), PWD \(pwd ?? "(inherited)")" }
    }

    static let directoryCases = [
        DirectoryCase(directory: "/usr/share", pwd: nil), DirectoryCase(directory: nil, pwd: nil),
        DirectoryCase(directory: nil, pwd: "/"), DirectoryCase(directory: "/usr/share", pwd: "/etc"),
        DirectoryCase(directory: "/usr/share", pwd: "usr/share"), DirectoryCase(directory: "/usr/share", pwd: "/usr/share/"),
        DirectoryCase(directory: "/usr/share", pwd: "/usr/../usr/share"), DirectoryCase(directory: "/usr/./share", pwd: nil),
        DirectoryCase(directory: Fixtures.symbolicLinkToDirectory, pwd: nil),
        DirectoryCase(directory: Fixtures.symbolicLinkToDirectory, pwd: Fixtures.symbolicLinkToDirectory),
        DirectoryCase(directory: Fixtures.symbolicLinkToDirectory, pwd: Fixtures.symbolicLinkToDirectory + "/."),
    ]

    @Test("a direct exec starts with the PWD the shell would set and export", arguments: directoryCases)
    func workingDirectoryVariable(_ setup: DirectoryCase) throws {
        let environment = setup.pwd.map { ["PWD": $0] } ?? [:]
        let expected = try Self.viaShell("printenv PWD", environment: environment, directory: setup.directory)
        #expect(expected.result.status == .exited(0))
        let fast = try ChildProcess.run(CommandSpec(.shell("printenv PWD"), environment: environment, workingDirectory: setup.directory))
        #expect(text(fast.stdout) == text(expected.stdout))
        let exact = try ChildProcess.run(CommandSpec(.argv(["printenv", "PWD"]), environment: environment, workingDirectory: setup.directory))
        #expect(text(exact.stdout) == text(expected.stdout))
        // The rest of the environment too (the shell's own order aside).
        let everything = try ChildProcess.run(CommandSpec(.shell("printenv"), environment: environment, workingDirectory: setup.directory))
        let everythingViaShell = try Self.viaShell("printenv", environment: environment, directory: setup.directory)
        #expect(text(everything.stdout).split(separator: "\n").sorted() == text(everythingViaShell.stdout).split(separator: "\n").sorted())
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
