import RSHSystem
import RSHTestSupport

/// The machine a report was measured on.
struct Machine {
    var cores = ProcessIdentity.processorCount
    var memory = Self.field("/proc/meminfo", "MemTotal:").map { "\((Int($0.split(separator: " ").first ?? "0") ?? 0) / 1_048_576) GiB" } ?? "?"
    var kernel = (readTextFile("/proc/sys/kernel/osrelease") ?? "?").split(separator: "\n").first.map(String.init) ?? "?"
    var cpu = Self.field("/proc/cpuinfo", "model name") ?? "?"

    private static func field(_ path: String, _ key: String) -> String? {
        guard let text = readTextFile(path) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            let value = line.drop { $0 != ":" }.dropFirst()
            return String(value.drop { $0 == " " || $0 == "\t" })
        }
        return nil
    }

    var summary: String { "\(cores) cores (\(cpu)), \(memory) memory, Linux \(kernel)" }
}
