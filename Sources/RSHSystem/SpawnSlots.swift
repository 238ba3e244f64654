import CRSHSystem
import Glibc
import Synchronization

/// A few low-numbered descriptors kept free for handing a child its standard
/// streams, so that `crsh_spawn` can give the child only the bottom of this
/// process's descriptor table instead of a copy of all of it (`spawn.c`).
///
/// A slot is four numbers (stdin, stdout, stderr, working directory), each
/// holding `/dev/null` while the slot is free. Spawning puts the child's
/// descriptors into a slot with `dup3`, spawns, and puts `/dev/null` back,
/// which also drops our copies of the child's pipe ends. When every slot is
/// taken (more threads spawning at once than slots), `spawnProcess` falls
/// back to `posix_spawn`.
///
/// The numbers are only low if the slots are made before the process opens
/// much else: `rshd` calls `SpawnSlots.reserve()` first thing. Made later,
/// they work the same, and save less.
public final class SpawnSlots: Sendable {
    struct Slot: @unchecked Sendable {
        let numbers: [Int32]
        /// The child runs on this until it has executed the program (CLONE_VM).
        let stack: UnsafeMutableRawPointer
        /// The child keeps the descriptors below this.
        var keepBelow: Int32 { numbers.max()! + 1 }
    }

    static let stackSize = 64 * 1024
    static let shared = SpawnSlots(count: max(4, 2 * ProcessIdentity.processorCount))

    private let placeholder: FileDescriptor?
    private let free: Mutex<[Slot]>
    /// Cleared for good if the kernel cannot do what `crsh_spawn` needs.
    private let supported = Atomic<Bool>(true)

    /// Makes the slots now, while this process's lowest descriptor numbers are free.
    public static func reserve() { _ = shared }

    private init(count: Int) {
        var slots: [Slot] = []
        placeholder = try? FileDescriptor.open("/dev/null", O_RDONLY | O_CLOEXEC)
        if let placeholder {
            for _ in 0..<count {
                var numbers: [Int32] = []
                for _ in 0..<4 {
                    let number = fcntl(placeholder.rawValue, F_DUPFD_CLOEXEC, Int32(3))
                    if number < 0 { break }
                    numbers.append(number)
                }
                guard numbers.count == 4 else {
                    for number in numbers { _ = Glibc.close(number) }
                    break
                }
                slots.append(Slot(numbers: numbers, stack: .allocate(byteCount: Self.stackSize, alignment: 16)))
            }
        }
        free = Mutex(slots)
    }

    /// The free slot with the lowest numbers: the child copies the fewest.
    private func take() -> Slot? {
        free.withLock { slots in
            guard let index = slots.indices.min(by: { slots[$0].keepBelow < slots[$1].keepBelow }) else { return nil }
            return slots.remove(at: index)
        }
    }

    /// Runs `body` with every slot taken, so that every spawn in it goes
    /// through `posix_spawn` (for the tests of that path).
    func withEverySlotTaken<Result>(_ body: () throws -> Result) rethrows -> Result {
        let taken = free.withLock { slots in
            defer { slots = [] }
            return slots
        }
        defer { free.withLock { $0 += taken } }
        return try body()
    }

    /// Spawns through a free slot: `nil` (nothing started) if none is free.
    func spawn(_ path: String, _ argv: CStringArray, _ envp: UnsafePointer<UnsafeMutablePointer<CChar>?>,
               _ setup: SpawnSetup) throws(Errno) -> Int32? {
        guard let placeholder, supported.load(ordering: .relaxed), let slot = take() else { return nil }
        let sources = [setup.standardInput, setup.standardOutput, setup.standardError] + (setup.workingDirectory.map { [$0] } ?? [])
        defer {
            // Back to /dev/null: this also closes our copies of the child's
            // pipe ends, which would otherwise keep its output from ending.
            for number in slot.numbers.prefix(sources.count) { _ = crsh_dup3_cloexec(placeholder.rawValue, number) }
            free.withLock { $0.append(slot) }
        }
        for (source, number) in zip(sources, slot.numbers) {
            _ = try retryingInterrupts { crsh_dup3_cloexec(source.rawValue, number) }
        }
        var processID: pid_t = 0
        let stdio = Array(slot.numbers.prefix(3))
        let error = stdio.withUnsafeBufferPointer { stdio in
            crsh_spawn(&processID, path, argv.pointers, envp, stdio.baseAddress,
                       setup.workingDirectory == nil ? -1 : slot.numbers[3], slot.keepBelow, slot.stack, Self.stackSize)
        }
        if error == ENOSYS {
            supported.store(false, ordering: .relaxed)
            return nil
        }
        try returnedError(error)
        return processID
    }
}
