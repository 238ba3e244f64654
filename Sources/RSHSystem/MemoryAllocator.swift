import CRSHSystem

/// The C library's allocator (mallopt(3)).
public enum MemoryAllocator {
    /// Keeps up to `bytes` of freed memory in the process instead of giving
    /// it back to the kernel at once, and takes blocks below that size from
    /// the heap rather than from their own mappings. For a process that
    /// allocates and frees the same large buffers over and over (a frame's
    /// body, up to a MiB, for each frame of a copy): by default glibc trims
    /// the heap after each free, and the next allocation faults its pages
    /// back in, zeroed (half of rsh's system time on a 1 GiB download in
    /// 64 KiB reads). glibc keeps up to `bytes` in each of its arenas (at
    /// most 8 per core), and only from the top of each heap can it give
    /// memory back.
    public static func keepFreedMemory(upTo bytes: Int) {
        _ = crsh_keep_freed_memory(Int32(clamping: bytes))
    }
}
