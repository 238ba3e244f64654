import Glibc
import RSHProtocol
import RSHSystem
import Testing

/// A child reaped with `wait4` (`ProcessDescriptor.reapCountingUsage`), as
/// rsh-bench reaps the clients it times: the status as `waitid` gives it, and
/// the CPU time of the child and of the children it reaped.
@Suite("Reaping a child with its usage")
struct ReapUsageTests {
    private static func start(_ script: String) throws -> ProcessDescriptor {
        let null = try FileDescriptor.open("/dev/null", .readWrite)
        defer { null.closeAfterUse() }
        let processID = try spawnProcess(["/bin/sh", "-c", script],
                                         SpawnSetup(standardInput: null, standardOutput: null, standardError: null, searchPath: false))
        return try ProcessDescriptor(processID: processID)
    }

    @Test("exit statuses and signals come out as they went in",
          arguments: [("exit 0", RSHProtocol.ExitStatus.exited(0)), ("exit 3", .exited(3)), ("exit 255", .exited(255)),
                      ("kill -TERM $$", .signaled(.terminate)), ("kill -KILL $$", .signaled(.kill))])
    func status(_ script: String, _ expected: RSHProtocol.ExitStatus) throws {
        let child = try Self.start(script)
        defer { child.close() }
        #expect(try child.reapCountingUsage().status == expected)
    }

    @Test("the CPU time counts the child's own children once it has reaped them")
    func cpuOfDescendants() throws {
        // The loop runs in a grandchild, which the shell waits for: ~0.1-0.5 s of CPU here.
        let busy = try Self.start("/bin/sh -c 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done'")
        defer { busy.close() }
        let idle = try Self.start("sleep 0.2")
        defer { idle.close() }
        let busyUsage = try busy.reapCountingUsage()
        let idleUsage = try idle.reapCountingUsage()
        #expect(busyUsage.status == .exited(0))
        #expect(busyUsage.usage.cpuSeconds > 0.05)
        #expect(idleUsage.usage.cpuSeconds < 0.05)
    }

    @Test("the soft open-files limit is raised to the hard one")
    func openFilesLimit() throws {
        let raised = try ProcessIdentity.raiseOpenFilesLimit()
        var limit = rlimit()
        try #require(getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0)
        #expect(raised == Int(clamping: limit.rlim_max))
        #expect(ProcessIdentity.openFilesLimit == raised)
    }
}
