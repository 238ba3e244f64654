import Foundation
import Glibc
import RSHProtocol
import RSHSpawn
import RSHSystem
import Testing

/// Commands on a pseudo-terminal (`CommandSpec.terminal`), through both
/// spawn paths: the terminal must be the child's controlling terminal either way.
// Serialized for the same reason as "Spawn paths": the posix_spawn cases turn the slots off.
@Suite("Children on a terminal", .serialized)
struct TerminalChildTests {
    static let size = WindowSize(rows: 40, columns: 100)

    func spec(_ text: String, term: String = "xterm-256color") -> CommandSpec {
        CommandSpec(.shell(text), terminal: TerminalRequest(term: term, size: Self.size))
    }

    /// What a terminal prints, with its "\r\n" line ends as "\n".
    func lines(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
    }

    @Test("tty names the terminal, its size is set before the start, the child leads its foreground group, TERM is the request's",
          arguments: SpawnPathTests.Path.allCases)
    func controllingTerminal(_ path: SpawnPathTests.Path) throws {
        // Inherited LINES and COLUMNS would override what the terminal says.
        setenv("LINES", "7", 1)
        setenv("COLUMNS", "9", 1)
        defer {
            unsetenv("LINES")
            unsetenv("COLUMNS")
        }
        let collected = try path.run {
            try ChildProcess.run(spec("tty; stty size; echo \"$TERM\" \"${LINES-unset}\" \"${COLUMNS-unset}\"; ps -o pgid=,tpgid= -p $$"),
                                 timeout: .seconds(10))
        }
        let output = lines(collected.stdout).split(separator: "\n").map(String.init)
        try #require(output.count == 4, "\(output)")
        #expect(output[0].hasPrefix("/dev/pts/"))
        #expect(output[1] == "40 100")
        #expect(output[2] == "xterm-256color unset unset")
        let groups = output[3].split(separator: " ")
        #expect(groups.count == 2 && groups[0] == groups[1], "process group and the terminal's foreground group: \(output[3])")
        #expect(collected.stderr.isEmpty)
        #expect(collected.result.status == .exited(0))
    }

    @Test("an empty term leaves TERM unset", arguments: SpawnPathTests.Path.allCases)
    func emptyTerm(_ path: SpawnPathTests.Path) throws {
        setenv("TERM", "inherited", 1)
        defer { unsetenv("TERM") }
        let collected = try path.run { try ChildProcess.run(spec("echo \"${TERM-unset}\"", term: ""), timeout: .seconds(10)) }
        #expect(lines(collected.stdout) == "unset\n")
    }

    @Test("the end of input is the terminal's end-of-file character: cat sees it and ends")
    func endOfFile() throws {
        let collected = try ChildProcess.run(spec("cat; echo cat ended"), input: Array("one line\n".utf8), timeout: .seconds(10))
        #expect(!collected.result.timedOut)
        // The terminal echoes the line, cat writes it back.
        #expect(lines(collected.stdout) == "one line\none line\ncat ended\n")
    }

    @Test("Ctrl-C typed at the terminal interrupts its foreground group")
    func interruptCharacter() throws {
        let collected = try ChildProcess.run(spec("exec sleep 100"), input: [0x03], timeout: .seconds(10))
        #expect(collected.result.status == .signaled(.interrupt))
        #expect(!collected.result.timedOut)
    }

    @Test("a resize reaches the program as the terminal's new size")
    func resize() throws {
        let child = try ChildProcess(spec("sleep 0.3; stty size"), timeout: .seconds(10))
        child.resize(WindowSize(rows: 50, columns: 132))
        var output: [UInt8] = []
        child.drain { _, bytes in output += bytes }
        #expect(child.finish().status == .exited(0))
        #expect(lines(output) == "50 132\n")
    }

    @Test("everything written before the exit arrives, in order")
    func nothingLost() throws {
        let collected = try ChildProcess.run(spec("seq 1 50000"), timeout: .seconds(20))
        #expect(lines(collected.stdout) == (1...50_000).map { "\($0)\n" }.joined())
    }

    @Test("a background process that holds the terminal, ignoring its hang-up, does not keep the command open")
    func backgroundHolder() throws {
        let start = ContinuousClock.now
        let collected = try ChildProcess.run(spec("trap '' HUP; sleep 100 & echo $!"), timeout: .seconds(30))
        let elapsed = start.duration(to: .now)
        let holder = Int32(lines(collected.stdout).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        if holder > 0 { kill(holder, SIGKILL) }
        #expect(holder > 0)
        #expect(collected.result.status == .exited(0))
        #expect(!collected.result.timedOut)
        #expect(elapsed < .seconds(10), "the command took \(elapsed)")
        #expect(elapsed >= .milliseconds(Limits.terminalDrainMilliseconds))
    }
}
