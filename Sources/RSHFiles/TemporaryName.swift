import RSHProtocol
import RSHSystem

/// The name of a temporary file beside `path`, in the same directory, so
/// that a rename(2) can put it in place (a rename never crosses file
/// systems): `.NAME.rsh-` and 16 random hex digits. Hidden, and it says whose
/// it is; NAME is cut short so the whole stays within NAME_MAX.
enum TemporaryName {
    /// Creates something under a new temporary name beside `path` with
    /// `create`, which must fail with `fileExists` rather than take a name
    /// in use (`O_EXCL`, symlink(2)): 64 random bits that meet another's are
    /// drawn again. Returns the name.
    static func create(beside path: String, _ create: (String) throws(Errno) -> Void) throws(Errno) -> String {
        var attempts = 0
        while true {
            let name = beside(path)
            do {
                try create(name)
                return name
            } catch .fileExists where attempts < 8 {
                attempts += 1
            }
        }
    }

    /// Bytes of the destination's name kept in the temporary's: 255 (NAME_MAX)
    /// minus the dot, ".rsh-" and the 16 digits, with room to spare.
    static let maxKeptBytes = 200

    static func beside(_ path: String) -> String {
        let slash = path.utf8.lastIndex(of: UInt8(ascii: "/"))
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.utf8.index(after: $0)...]) } ?? path
        var kept = String.UnicodeScalarView()
        var keptBytes = 0
        for scalar in name.unicodeScalars {
            keptBytes += UTF8.width(scalar)
            if keptBytes > maxKeptBytes { break }
            kept.append(scalar)
        }
        let random: [UInt8]
        do {
            random = try randomBytes(8)
        } catch {
            // getrandom(2) fails only where it does not exist.
            preconditionFailure("getrandom failed: \(error)")
        }
        return directory + "." + String(kept) + ".rsh-" + Hex.encode(random)
    }
}
