import CRSHSystem

/// The C library's allocator (mallopt(3)).
public enum MemoryAllocator {
    /// Keeps up to `bytes` of freed memory in the process instead of giving
    /// it back to the kernel at once, and takes blocks below that size from
    /// the heap rather than from their own mappings. For a process that
    /// allocates and frees the same large buffers over and over (a frame's
    /// body, 64 KiB, for each frame of a copy): by default glibc trims the
    /// heap after each free, and the next allocation faults its pages back
    /// in, zeroed; on a 1 GiB download that was half of rsh's system time.
    public static func keepFreedMemory(upTo bytes: Int) {
        _ = crsh_keep_freed_memory(Int32(clamping: bytes))
    }
}
