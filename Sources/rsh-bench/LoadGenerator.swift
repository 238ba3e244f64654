import RemoteShell
import RSHSystem
import RSHTestSupport
import Synchronization

/// The benchmark's clients: coroutines on one event loop, on one thread of
/// this process. One thread can use at most one core, and `cpuSeconds`
/// tells how much of it the generator used, so a report can show that the
/// generator was not the bottleneck.
final class LoadGenerator: Sendable {
    let loop: EventLoop
    private let thread: SystemThread

    init() throws {
        let loop = try EventLoop(name: "generator")
        self.loop = loop
        thread = try SystemThread.start { loop.run() }
    }

    func stop() {
        loop.stop()
        thread.join()
    }

    /// Runs `body` as a coroutine on the generator's loop and waits for it.
    func run<Value: Sendable>(_ body: @escaping @Sendable () async throws -> Value) throws -> Value {
        let box = ResultBox<Value>()
        let done = try EventCounter()
        defer { done.close() }
        Task(executorPreference: loop) {
            do { box.store(.success(try await body())) } catch { box.store(.failure(error)) }
            done.signal()
        }
        while box.take() == nil { _ = try? done.descriptor.poll(for: .readable, timeoutMilliseconds: 1000) }
        return try box.result!.get()
    }

    /// CPU seconds this process has used (the generator thread is its only busy one during a run).
    static var processCPUSeconds: Double { ProcessStatistics().cpuSeconds ?? 0 }
}

private final class ResultBox<Value: Sendable>: Sendable {
    private let value = Mutex<Result<Value, any Error>?>(nil)
    func store(_ result: Result<Value, any Error>) { value.withLock { $0 = result } }
    func take() -> Result<Value, any Error>? { value.withLock { $0 } }
    var result: Result<Value, any Error>? { take() }
}
