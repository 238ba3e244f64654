import RSHSpawn
import RSHSystem
import RSHTestSupport
import Testing

@Suite("Teardown and timeouts")
struct TeardownTests {
    @Test("teardown leaves no process of the group")
    func wholeGroup() throws {
        let child = try ChildProcess(CommandSpec(.shell("sleep 100 & sleep 100 & wait")), grace: .seconds(2))
        // Wait until both sleeps are in the group.
        let start = ContinuousClock.now
        while processesInGroup(child.processID).count < 3, start.duration(to: .now) < .seconds(5) {
            _ = try? child.exitDescriptor.descriptor.poll(for: .readable, timeoutMilliseconds: 10)
        }
        #expect(processesInGroup(child.processID).count == 3)
        child.beginTeardown()
        drain(child)
        // A killed process closes its files (our pipes' end of file) a moment
        // before it is gone from /proc: allow that moment.
        #expect(eventually { processesInGroup(child.processID).isEmpty })
        #expect(!isOurZombie(child.processID))
    }

    @Test("a child that ignores TERM is killed when the grace period ends")
    func ignoresTerm() throws {
        let child = try ChildProcess(CommandSpec(.shell("trap '' TERM; sleep 100")), grace: .milliseconds(500))
        let start = ContinuousClock.now
        // Give the shell time to install its trap.
        _ = try? child.exitDescriptor.descriptor.poll(for: .readable, timeoutMilliseconds: 200)
        child.beginTeardown()
        drain(child)
        let elapsed = start.duration(to: .now)
        #expect(elapsed >= .milliseconds(500))
        #expect(elapsed < .seconds(10))
        #expect(eventually { processesInGroup(child.processID).isEmpty })
    }

    @Test("a timeout stops the command and says so")
    func timeout() throws {
        let collected = try shell("echo started; sleep 100", timeout: .milliseconds(300), grace: .seconds(2))
        #expect(collected.result.timedOut)
        #expect(collected.result.status == .signaled(.terminate))
        #expect(text(collected.stdout) == "started\n", "output before the timeout is kept")
    }

    @Test("a timeout also covers a command that ignores TERM")
    func timeoutIgnoringTerm() throws {
        let collected = try shell("trap '' TERM; sleep 100", timeout: .milliseconds(300), grace: .milliseconds(300))
        #expect(collected.result.timedOut)
        #expect(collected.result.status == .signaled(.kill))
    }

    @Test("output pipes held outside the group are abandoned after KILL, not waited on forever")
    func escapedHolder() throws {
        // setsid moves the sleep out of the group; it keeps stdout open.
        let collected = try shell("setsid sleep 3 & sleep 100", timeout: .milliseconds(200), grace: .milliseconds(200))
        #expect(collected.result.timedOut)
        #expect(collected.result.duration < .seconds(3))
    }
}

@Suite("Command deadlines")
struct CommandDeadlinesTests {
    let start = ContinuousClock.now

    @Test("no timeout: nothing to do until a teardown")
    func noTimeout() {
        var deadlines = CommandDeadlines(start: start, timeout: nil, grace: .seconds(2))
        #expect(deadlines.nextDeadline == nil)
        #expect(deadlines.expire(now: start + .seconds(1_000)) == nil)
        #expect(deadlines.beginTeardown(now: start) == .terminate)
        #expect(deadlines.beginTeardown(now: start) == nil, "a teardown starts once")
        #expect(deadlines.nextDeadline == start + .seconds(2))
        #expect(deadlines.expire(now: start + .seconds(1)) == nil)
        #expect(deadlines.expire(now: start + .seconds(2)) == .signal(.kill))
        #expect(!deadlines.timedOut)
    }

    @Test("the timeout starts the same sequence and is remembered")
    func timeoutSequence() {
        var deadlines = CommandDeadlines(start: start, timeout: .seconds(1), grace: .seconds(2))
        #expect(deadlines.nextDeadline == start + .seconds(1))
        #expect(deadlines.expire(now: start + .milliseconds(999)) == nil)
        #expect(deadlines.expire(now: start + .seconds(1)) == .signal(.terminate))
        #expect(deadlines.timedOut)
        #expect(deadlines.expire(now: start + .seconds(3)) == .signal(.kill))
        #expect(deadlines.expire(now: start + .seconds(100)) == .abandonOutput)
        #expect(deadlines.nextDeadline == nil)
    }

    @Test("a zero grace period kills at once")
    func zeroGrace() {
        var deadlines = CommandDeadlines(start: start, timeout: nil, grace: .zero)
        #expect(deadlines.beginTeardown(now: start) == .kill)
    }
}
