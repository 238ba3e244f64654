import Glibc
import RSHSystem
import Testing

@Suite("Waiting on one descriptor")
struct PollTests {
    @Test("a wait ends at its timeout, not at a signal that interrupts poll(2)")
    func outlastsSignals() throws {
        // A handler (any), so that the signal interrupts poll(2) with EINTR
        // instead of being ignored.
        signal(SIGUSR2) { _ in }
        // ... and not blocked in this thread (the test process may block it).
        var unblock = sigset_t(), previous = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGUSR2)
        pthread_sigmask(SIG_UNBLOCK, &unblock, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let pipe = try FileDescriptor.pipe()
        defer {
            pipe.readEnd.closeAfterUse()
            pipe.writeEnd.closeAfterUse()
        }
        let waiter = pthread_self()
        let signaller = try SystemThread.start {
            for _ in 0..<5 {
                SystemThread.pause(for: .milliseconds(40))
                pthread_kill(waiter, SIGUSR2)
            }
        }
        let start = ContinuousClock.now
        let events = try pipe.readEnd.poll(for: .readable, timeoutMilliseconds: 400)
        let waited = start.duration(to: .now)
        signaller.join()
        #expect(events.isEmpty)
        #expect(waited >= .milliseconds(400))
    }
}
