import Glibc
import RSHSystem
import RSHSpawn
import RSHTestSupport
import Synchronization
import Testing

/// The two ways a child is started (RSHSystem's `spawnProcess`): through a
/// spawn slot, where the child copies only the bottom of our descriptor table
/// (`crsh_spawn`), and `posix_spawn` when every slot is busy. Both must give
/// the program the same start: descriptors 0-2 only, default signals, nothing
/// blocked, its own session.
// Serialized: the posix_spawn cases take every slot, which would send the
// slot cases running next to them down the same path.
@Suite("Spawn paths", .serialized)
struct SpawnPathTests {
    enum Path: String, CaseIterable, CustomTestStringConvertible {
        case slot, posixSpawn
        var testDescription: String { rawValue }

        func run<Result>(_ body: () throws -> Result) rethrows -> Result {
            switch self {
            case .slot: return try body()
            case .posixSpawn: return try SpawnSlots.withSlotsDisabled(body)
            }
        }
    }

    @Test("with 3,000 more descriptors open here, the child still has only 0, 1 and 2", arguments: Path.allCases)
    func largeTable(_ path: Path) throws {
        var extra: [FileDescriptor] = []
        defer { for fd in extra { fd.closeAfterUse() } }
        for _ in 0..<1_500 {
            let ends = try FileDescriptor.pipe()
            extra += [ends.readEnd, ends.writeEnd]
        }
        // A stray one without close-on-exec, above most of the others.
        let stray = Glibc.dup(extra.last!.rawValue)
        try #require(stray > 2)
        defer { _ = Glibc.close(stray) }
        let listing = try path.run { try shell("ls /proc/$$/fd; true") }
        #expect(text(listing.stdout) == "0\n1\n2\n")
        #expect(listing.result.status == .exited(0))
    }

    @Test("signals start at their defaults and unblocked, whatever this thread had", arguments: Path.allCases)
    func signalState(_ path: Path) throws {
        SignalDisposition.ignoreBrokenPipe()   // ignored here: must not be ignored in the child
        var blocked = sigset_t(), previous = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGWINCH)
        try #require(pthread_sigmask(SIG_BLOCK, &blocked, &previous) == 0)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let status = try path.run { try shell("grep -E '^Sig(Blk|Ign)' /proc/self/status") }
        let masks = Dictionary(uniqueKeysWithValues: text(status.stdout).split(separator: "\n").compactMap { line -> (String, UInt64)? in
            let parts = line.split(separator: "\t")
            guard parts.count == 2, let mask = UInt64(parts[1], radix: 16) else { return nil }
            return (String(parts[0]), mask)
        })
        // Signals 32 and 33 belong to glibc's threads: posix_spawn leaves them
        // ignored in the child when the parent has handlers for them (the test
        // runner does; rshd does not), and they are nobody else's business.
        let glibcInternal: UInt64 = 0b11 << 31
        #expect(masks["SigBlk:"] == 0)
        #expect(masks["SigIgn:"].map { $0 & ~glibcInternal } == 0)
    }

    @Test("the child leads its own session and process group, and is our child", arguments: Path.allCases)
    func session(_ path: Path) throws {
        // Fields 4-6 of the shell's /proc/PID/stat: parent, process group, session.
        let listing = try path.run { try shell("cut -d' ' -f4-6 /proc/$$/stat; echo $$; true") }
        let lines = text(listing.stdout).split(separator: "\n")
        try #require(lines.count == 2)
        let fields = lines[0].split(separator: " ")
        #expect(fields == [Substring("\(ProcessIdentity.processID)"), lines[1], lines[1]])
    }

    @Test("the child starts on SCHED_OTHER although the spawning thread runs SCHED_BATCH",
          .enabled(if: sched_getscheduler(0) == SCHED_OTHER, "the test runner is not on SCHED_OTHER"), arguments: Path.allCases)
    func schedulingPolicy(_ path: Path) throws {
        // On a thread of its own: the policy is a thread's, and threads it
        // starts would inherit it.
        let outcome = Mutex<(batched: Bool, policy: String)?>(nil)
        let thread = try SystemThread.start {
            let batched = ThreadScheduling.batchCallingThread()
            // Field 41 of /proc/PID/stat; the command's name here has no space.
            let policy = (try? path.run { try shell("cut -d' ' -f41 /proc/self/stat") }).map { text($0.stdout) }
            outcome.withLock { $0 = (batched, policy ?? "spawn failed") }
        }
        thread.join()
        let (batched, policy) = try #require(outcome.withLock { $0 })
        try #require(batched, "this thread could not be moved from SCHED_OTHER to SCHED_BATCH")
        #expect(policy == "\(SCHED_OTHER)\n")
    }

    @Test("stdin, cwd, environment and a failed exec behave the same", arguments: Path.allCases)
    func basics(_ path: Path) throws {
        try path.run {
            #expect(text(try shell("cat", input: Array("in\n".utf8)).stdout) == "in\n")
            #expect(text(try shell("pwd", directory: "/usr").stdout) == "/usr\n")
            #expect(text(try shell("printenv RSH_SPAWN_PATH", environment: ["RSH_SPAWN_PATH": path.rawValue]).stdout) == path.rawValue + "\n")
            let missing = try shell("no-such-program-rsh-spawn")
            #expect(missing.result.status == .exited(127))
            let denied = try shell("/etc/passwd")
            #expect(denied.result.status == .exited(126))
        }
    }

    @Test("16 threads spawning at once, more than there are slots: every output arrives whole")
    func concurrentSpawns() throws {
        let threads = 16, perThread = 25
        let failures = Mutex<[String]>([])
        let workers = try (0..<threads).map { thread in
            try SystemThread.start {
                for index in 0..<perThread {
                    let expected = "\(thread)-\(index)"
                    let got = (try? shell("echo \(expected)")).map { text($0.stdout) }
                    if got != expected + "\n" { failures.withLock { $0.append("\(expected): \(got ?? "spawn failed")") } }
                }
            }
        }
        for worker in workers { worker.join() }
        #expect(failures.withLock { $0 } == [])
    }
}
