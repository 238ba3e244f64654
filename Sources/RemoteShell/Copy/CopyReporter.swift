/// What `rsh cp` tells the user as it goes: a failure or a warning on a
/// line of its own (with the host first in a fan-out), and the progress of
/// the file under way when there is a progress line to keep.
final class CopyReporter {
    /// Put before every message in a fan-out: `HOST: `.
    private let prefix: String
    private let progress: CopyProgress?
    private let output = LocalOutput()

    init(host: String?, progress: CopyProgress?) {
        prefix = host.map { $0 + ": " } ?? ""
        self.progress = progress
    }

    func failed(_ message: String) {
        progress?.clear()
        output.message("rsh: " + prefix + message)
    }

    func warning(_ message: String) {
        progress?.clear()
        output.message("rsh: " + prefix + "warning: " + message)
    }

    /// A file begins (`size` bytes).
    func started(_ name: String, size: Int64) { progress?.start(name, size: size) }

    /// `bytes` of the file under way are done.
    func progressed(_ bytes: Int64) { progress?.update(bytes) }

    /// The file under way arrived and was verified.
    func finished() { progress?.finish() }

    /// The copy stopped in the middle of a file.
    func abandoned() { progress?.clear() }
}
