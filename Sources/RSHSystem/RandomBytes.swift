import CRSHSystem

/// Bytes from the kernel's random source (`getrandom(2)`), for keys and challenges.
public func randomBytes(_ count: Int) throws(Errno) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    var filled = 0
    while filled < count {
        let count = try bytes.withUnsafeMutableBytes { raw in
            Result { () throws(Errno) in
                try retryingInterrupts { crsh_getrandom(raw.baseAddress! + filled, raw.count - filled) }
            }
        }.get()
        filled += count
    }
    return bytes
}
