import Glibc

/// Whether every byte of `bytes` is zero: the first is, and each equals the
/// next (`memcmp(3)` of the buffer against itself one byte on), at the speed
/// of the C library's vectorized compare, in a debug build too; it stops at
/// the first difference.
public func isAllZeros(_ bytes: UnsafeRawBufferPointer) -> Bool {
    guard let base = bytes.baseAddress, bytes.count > 0 else { return true }
    return base.load(as: UInt8.self) == 0 && memcmp(base, base + 1, bytes.count - 1) == 0
}
