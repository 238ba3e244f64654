import Glibc
import RemoteShell
import Testing

/// `--scheduling`: rshd's own threads run SCHED_BATCH so that their wake-ups
/// do not preempt the commands, and the commands run SCHED_OTHER, as they
/// would if started anywhere else.
@Suite("Scheduling policy")
struct SchedulingTests {
    /// Run remotely: the policy (field 41 of /proc/PID/stat, sched(7)
    /// numbers) of the command itself, then of every thread of its parent,
    /// rshd, while the command runs. The `sed` drops "PID (name) ", so the
    /// field is the 39th of what is left (a thread name may hold spaces).
    static let report = "sed 's/^.*) //' /proc/self/stat | cut -d' ' -f39; "
        + "sed 's/^.*) //' /proc/$PPID/task/*/stat | cut -d' ' -f39 | sort -u | tr '\\n' ' '"
    static let other = "0", batch = "3", idle = "5"
    /// rshd inherits the test runner's policy; the first two tests expect the usual one.
    static let runnerIsOnOther = sched_getscheduler(0) == SCHED_OTHER

    @Test("by default rshd's threads run SCHED_BATCH and its commands SCHED_OTHER",
          .enabled(if: runnerIsOnOther, "the test runner is not on SCHED_OTHER"), arguments: ServerMode.allCases)
    func batchByDefault(_ mode: ServerMode) throws {
        let server = try ServerProcess(mode)
        #expect(server.log.contains(" scheduling=batch "))
        let rsh = try server.rsh([Self.report])
        #expect(rsh.stdout == "\(Self.other)\n\(Self.batch) ")
        #expect(rsh.shellStatus == 0)
    }

    @Test("--scheduling inherit leaves the threads and commands on the policy rshd was started with",
          .enabled(if: runnerIsOnOther, "the test runner is not on SCHED_OTHER"))
    func inherit() throws {
        let server = try ServerProcess(.coroutine, ["--scheduling", "inherit"])
        #expect(server.log.contains(" scheduling=inherit "))
        #expect(try server.rsh([Self.report]).stdout == "\(Self.other)\n\(Self.other) ")
    }

    @Test("started under another policy (chrt --idle), rshd keeps it for everything and says so")
    func startedUnderAnotherPolicy() throws {
        let server = try ServerProcess(.threaded, launcher: ["chrt", "--idle", "0"])
        #expect(server.log.contains(" scheduling=inherit "))
        #expect(try server.rsh([Self.report]).stdout == "\(Self.idle)\n\(Self.idle) ")
    }

    @Test("an unknown policy is a usage error")
    func unknownPolicy() throws {
        let rshd = try TestProcess.run([Binaries.rshd, "--scheduling", "fifo"])
        #expect(rshd.shellStatus == 2)
        #expect(rshd.stderr.hasPrefix("rshd: unknown scheduling policy \"fifo\"; expected batch or inherit\n"))
    }
}
