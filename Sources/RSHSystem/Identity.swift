import CRSHSystem
import Glibc

/// Facts about this process that the server and client ask for.
public enum ProcessIdentity {
    public static var processID: Int32 { getpid() }
    public static var effectiveUserID: UInt32 { geteuid() }
    /// The number of CPUs this process may run on (`sysconf(_SC_NPROCESSORS_ONLN)`).
    public static var processorCount: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
    /// The unit of the CPU times in /proc (`sysconf(_SC_CLK_TCK)`).
    public static var clockTicksPerSecond: Int { sysconf(Int32(_SC_CLK_TCK)) }
    /// The soft open-files limit (`getrlimit(RLIMIT_NOFILE)`).
    public static var openFilesLimit: Int {
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        return Int(clamping: limit.rlim_cur)
    }
    /// The value of an environment variable.
    public static func environmentValue(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
    /// The physical path of the working directory (`getcwd(3)`); `nil` when
    /// it has none (it was removed) or it is out of reach.
    public static var workingDirectory: String? {
        guard let path = getcwd(nil, 0) else { return nil }
        defer { free(path) }
        return String(cString: path)
    }
}

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

/// Exits the process at once (`_exit(2)`-like `exit(3)`), flushing nothing of Swift's.
public func exitProcess(_ status: Int32) -> Never {
    exit(status)
}

/// The time of day, for log lines.
public enum WallClock {
    /// UTC in ISO 8601 with milliseconds: "2026-11-22T16:50:01.123Z".
    public static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(now.tv_nsec / 1_000_000), 3))Z"
    }
}
