import RSHSystem
import RSHTestSupport
import Synchronization

/// Samples a process's thread count and resident memory every 10 ms while
/// a workload runs, keeping the peaks: of `VmRSS`, and of `VmHWM` (the
/// kernel's own peak, which also holds what came and went between samples).
final class Sampler: Sendable {
    private final class State: Sendable {
        let peaks = Mutex<(threads: Int, resident: Int, highWater: Int)>((0, 0, 0))
        let running = Atomic<Bool>(true)
    }

    private let state = State()
    private let thread: SystemThread

    init(processID: Int32) throws {
        let statistics = ProcessStatistics(processID: processID)
        thread = try SystemThread.start { [state] in
            while state.running.load(ordering: .relaxed) {
                let (threads, resident, highWater) = statistics.threadsAndResidentBytes ?? (0, 0, 0)
                state.peaks.withLock { $0 = (max($0.threads, threads), max($0.resident, resident), max($0.highWater, highWater)) }
                SystemThread.pause(for: .milliseconds(10))
            }
        }
    }

    func stop() -> (threads: Int, resident: Int, highWater: Int) {
        state.running.store(false, ordering: .relaxed)
        thread.join()
        return state.peaks.withLock { $0 }
    }
}
