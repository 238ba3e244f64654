import RemoteShell
import RSHProtocol
import RSHSystem
import Testing

@Suite("Event loop")
struct EventLoopTests {
    /// Runs `body` as a coroutine on a fresh loop; false if it does not finish in time.
    func onLoop(timeout: Duration = .seconds(20), _ body: @escaping @Sendable (EventLoop) async -> Void) throws -> Bool {
        let loop = try EventLoop(name: "test")
        let thread = try SystemThread.start { loop.run() }
        let done = try EventCounter()
        Task(executorPreference: loop) {
            await body(loop)
            done.signal()
        }
        let finished = !(try done.descriptor.poll(for: .readable, timeoutMilliseconds: pollTimeout(until: .now + timeout))).isEmpty
        if finished {
            loop.stop()
            thread.join()
        }
        done.close()
        return finished
    }

    @Test("no wakeup is lost when nonisolated coroutines wait while others write")
    func noLostWakeups() throws {
        // Nonisolated callers can reach `wait`'s continuation through a hop on
        // the loop's queue; an edge delivered during that hop must still wake
        // them, or this test hangs.
        let finished = try onLoop { loop in
            let pipes = (0..<64).map { _ in try! FileDescriptor.pipe() }
            for pipe in pipes { try! pipe.readEnd.setNonBlocking() }
            // Register every read end first (a wait that is ready at once), so
            // that later edges come from epoll, not from the registration.
            for pipe in pipes {
                _ = try? [UInt8(0)].withUnsafeBytes { try pipe.writeEnd.write($0) }
                _ = await loop.wait([.readable(pipe.readEnd)], until: .now + .seconds(5))
                _ = await PipeReader(loop: loop, descriptor: pipe.readEnd).read()
            }
            await withTaskGroup(of: Void.self) { group in
                for pipe in pipes {
                    group.addTask {
                        let reader = PipeReader(loop: loop, descriptor: pipe.readEnd)
                        var received = 0
                        while received < 50 { received += await reader.read() }
                    }
                }
                group.addTask {
                    for _ in 0..<50 {
                        for pipe in pipes { _ = try? [UInt8(1)].withUnsafeBytes { try pipe.writeEnd.write($0) } }
                        await Task.yield()
                    }
                }
            }
            for pipe in pipes {
                loop.deregister(pipe.readEnd)
                pipe.readEnd.closeAfterUse()
                pipe.writeEnd.closeAfterUse()
            }
        }
        #expect(finished, "a coroutine never woke up")
    }

    @Test("a deadline ends a wait; an interrupt ends one early, or the next one if nobody waits yet")
    func deadlinesAndInterrupts() throws {
        let finished = try onLoop { loop in
            let start = ContinuousClock.now
            let pipe = try! FileDescriptor.pipe()
            #expect(await loop.wait([.readable(pipe.readEnd)], until: .now + .milliseconds(50)) == .timedOut)
            #expect(start.duration(to: .now) >= .milliseconds(50))
            let handle = EventLoop.WaitHandle()
            loop.interrupt(handle)
            #expect(await loop.sleep(until: .now + .seconds(10), handle: handle) == .interrupted)
            loop.deregister(pipe.readEnd)
            pipe.readEnd.closeAfterUse()
            pipe.writeEnd.closeAfterUse()
        }
        #expect(finished)
    }

    @Test("a wait on several descriptors says which one is ready; the others' edges end the next waits, each once")
    func severalDescriptors() throws {
        let finished = try onLoop { loop in
            let pipes = [try! FileDescriptor.pipe(), try! FileDescriptor.pipe()]
            for pipe in pipes { try! pipe.readEnd.setNonBlocking() }
            let interests = pipes.map { EventLoop.Interest.readable($0.readEnd) }
            let handle = EventLoop.WaitHandle()
            #expect(await loop.wait(interests, until: .now + .milliseconds(10), handle: handle) == .timedOut)
            // One becomes readable: the wait names it.
            _ = try? [UInt8(1)].withUnsafeBytes { try pipes[1].writeEnd.write($0) }
            #expect(await loop.wait(interests, until: .now + .seconds(10), handle: handle) == .ready)
            #expect(handle.readyInterest == interests[1])
            // Both become readable before the loop polls: one ends this wait,
            // the other the next one, without the loop waiting again.
            for pipe in pipes { _ = try? [UInt8(2)].withUnsafeBytes { try pipe.writeEnd.write($0) } }
            var named: Set<EventLoop.Interest> = []
            for _ in pipes {
                #expect(await loop.wait(interests, until: .now + .seconds(10), handle: handle) == .ready)
                named.formUnion([handle.readyInterest].compactMap { $0 })
            }
            #expect(named == Set(interests))
            // Each edge was reported once.
            #expect(await loop.wait(interests, until: .now + .milliseconds(20), handle: handle) == .timedOut)
            for pipe in pipes {
                loop.deregister(pipe.readEnd)
                pipe.readEnd.closeAfterUse()
                pipe.writeEnd.closeAfterUse()
            }
        }
        #expect(finished)
    }

    @Test("work put off until the loop waits runs once, after the jobs queued before it, and can wake a task")
    func beforeWaiting() throws {
        final class Order { var events: [String] = [] }
        let finished = try onLoop { loop in
            let order = Order()
            let handle = EventLoop.WaitHandle()
            loop.beforeWaiting {
                order.events.append("hook")
                loop.interrupt(handle)
            }
            order.events.append("queued")
            await Task.yield()   // back on the loop's queue: runs before the hook
            order.events.append("ran again")
            #expect(await loop.sleep(until: .now + .seconds(10), handle: handle) == .interrupted)
            await Task.yield()
            #expect(order.events == ["queued", "ran again", "hook"])
        }
        #expect(finished)
    }
}

/// Reads through a nonisolated async method, as the benchmark's clients do:
/// the shape in which the runtime hops before `wait`'s closure runs.
final class PipeReader {
    let loop: EventLoop
    let descriptor: FileDescriptor

    init(loop: EventLoop, descriptor: FileDescriptor) {
        self.loop = loop
        self.descriptor = descriptor
    }

    func read() async -> Int {
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let count = try? buffer.withUnsafeMutableBytes { try descriptor.tryRead(into: $0) }
            if let count, count > 0 { return count }
            _ = await loop.wait([.readable(descriptor)])
        }
    }
}
