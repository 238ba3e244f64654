import CRSHSystem
import Glibc
import Synchronization

/// Low-numbered descriptors kept for handing a child its standard streams,
/// so that `crsh_spawn` can give the child only the bottom of this process's
/// descriptor table instead of a copy of all of it (`spawn.c`).
///
/// A slot is four numbers (stdin, stdout, stderr, working directory), each
/// holding `/dev/null` while the slot is free, and a stack for the child. A
/// spawn takes a slot, puts the child's descriptors into it with `dup3`,
/// spawns, and puts `/dev/null` back, which also drops our copies of the
/// child's pipe ends. A slot is busy only from `clone` to the child's
/// `execve`, but that can be long when many children wait for a CPU, so
/// there is one per thread that may be spawning at once: `rshd` reserves
/// them first thing, while the lowest numbers are free (`reserve`). When all
/// are busy, a new one is made at the lowest free number (its children copy
/// the table up to it), up to a limit; beyond it, `spawnProcess` uses
/// `posix_spawn`.
public final class SpawnSlots: Sendable {
    struct Slot: @unchecked Sendable {
        let numbers: [Int32]
        /// The child runs on this until it has executed the program (CLONE_VM).
        let stack: UnsafeMutableRawPointer
        /// The child keeps the descriptors below this.
        var keepBelow: Int32 { numbers.max()! + 1 }
    }

    static let stackSize = 64 * 1024
    static let shared = SpawnSlots(limit: growthLimit())

    private struct Pool {
        var free: [Slot] = []
        var count = 0
        /// Off, every spawn goes through posix_spawn (`isEnabled`).
        var enabled = true
    }

    private let placeholder: FileDescriptor?
    private let pool: Mutex<Pool>
    private let limit: Int
    /// Cleared for good if the kernel cannot do what `crsh_spawn` needs.
    /// Valgrind cannot run a `clone` with `CLONE_FILES` at all (it stops the
    /// whole process), so under it every spawn goes through `posix_spawn`.
    private let supported = Atomic<Bool>(!SpawnSlots.runningUnderValgrind)

    /// Valgrind preloads its `vgpreload_*.so` into the program it runs.
    private static var runningUnderValgrind: Bool {
        ProcessIdentity.environmentValue("LD_PRELOAD")?.contains("/vgpreload_") ?? false
    }

    /// Makes slots for `concurrentSpawns` spawns at once (up to the limit)
    /// now, while this process's lowest descriptor numbers are still free.
    public static func reserve(concurrentSpawns: Int) {
        shared.pool.withLock { pool in
            while pool.count < min(concurrentSpawns, shared.limit), let slot = makeSlot(shared.placeholder) {
                pool.free.append(slot)
                pool.count += 1
            }
        }
    }

    /// At most 64 slots, and no more than a 16th of the descriptors this
    /// process may open (4 each): 16 slots under the common limit of 1,024.
    private static func growthLimit() -> Int {
        max(1, min(64, ProcessIdentity.openFilesLimit / 64))
    }

    private init(limit: Int) {
        placeholder = try? FileDescriptor.open("/dev/null", .readOnly)
        self.limit = limit
        pool = Mutex(Pool())
    }

    /// Four descriptors on /dev/null at the lowest free numbers, and a stack.
    private static func makeSlot(_ placeholder: FileDescriptor?) -> Slot? {
        guard let placeholder else { return nil }
        var numbers: [Int32] = []
        for _ in 0..<4 {
            let number = fcntl(placeholder.rawValue, F_DUPFD_CLOEXEC, Int32(3))
            guard number >= 0 else {
                for number in numbers { _ = Glibc.close(number) }
                return nil
            }
            numbers.append(number)
        }
        return Slot(numbers: numbers, stack: .allocate(byteCount: stackSize, alignment: 16))
    }

    /// The free slot with the lowest numbers (the child copies the fewest),
    /// or a new one when all are busy, up to the limit.
    private func take() -> Slot? {
        pool.withLock { pool in
            guard pool.enabled else { return nil }
            if let index = pool.free.indices.min(by: { pool.free[$0].keepBelow < pool.free[$1].keepBelow }) {
                return pool.free.remove(at: index)
            }
            guard pool.count < limit, let slot = Self.makeSlot(placeholder) else { return nil }
            pool.count += 1
            return slot
        }
    }

    private func giveBack(_ slot: Slot) {
        pool.withLock { $0.free.append(slot) }
    }

    /// Whether spawns may take a slot. Off, every spawn goes through
    /// `posix_spawn`, as it does when all slots are busy.
    public static var isEnabled: Bool {
        get { shared.pool.withLock { $0.enabled } }
        set { shared.pool.withLock { $0.enabled = newValue } }
    }

    /// Spawns through a slot: `nil` (nothing started) if none can be had, or
    /// if this kernel cannot do it (then never again).
    func spawn(_ path: String, _ argv: CStringArray, _ envp: UnsafePointer<UnsafeMutablePointer<CChar>?>,
               _ setup: SpawnSetup) throws(SpawnFailure) -> Int32? {
        guard let placeholder, supported.load(ordering: .relaxed), let slot = take() else { return nil }
        // Slot numbers 0-2 take the child's standard streams (a terminal's
        // slave the child opens itself: they keep /dev/null), 3 its directory.
        var placed: [(source: FileDescriptor, number: Int32)] = []
        var terminalPath: String?
        switch setup.standardStreams {
        case .descriptors(let input, let output, let error):
            placed += zip([input, output, error], slot.numbers.prefix(3)).map { ($0, $1) }
        case .terminal(let path):
            terminalPath = path
        }
        if let directory = setup.workingDirectory { placed.append((directory, slot.numbers[3])) }
        defer {
            // Back to /dev/null: this also closes our copies of the child's
            // pipe ends, which would otherwise keep its output from ending.
            for (_, number) in placed { _ = crsh_dup3_cloexec(placeholder.rawValue, number) }
            giveBack(slot)
        }
        do {
            for (source, number) in placed {
                _ = try retryingInterrupts { crsh_dup3_cloexec(source.rawValue, number) }
            }
        } catch {
            throw .other(error)
        }
        var processID: pid_t = 0
        var directoryFailed: Int32 = 0
        let stdio = Array(slot.numbers.prefix(3))
        let error = stdio.withUnsafeBufferPointer { stdio in
            crsh_spawn(&processID, path, argv.pointers, envp, stdio.baseAddress, terminalPath,
                       setup.workingDirectory == nil ? -1 : slot.numbers[3], slot.keepBelow,
                       ThreadScheduling.childPolicy ?? -1, slot.stack, Self.stackSize, &directoryFailed)
        }
        switch error {
        case 0: return processID
        case ENOSYS:
            supported.store(false, ordering: .relaxed)
            return nil
        default:
            throw directoryFailed != 0 ? .workingDirectory(Errno(rawValue: error)) : .other(Errno(rawValue: error))
        }
    }
}
