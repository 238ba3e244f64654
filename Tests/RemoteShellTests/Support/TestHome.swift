import Foundation
import RemoteShell
import RSHSystem
import RSHTestSupport

/// The home directory of every rsh and rshd the tests start (`HOME`), so
/// that no test reads or writes the real `~/.rsh`.
enum TestHome {
    static let path: String = {
        let path = Scratch.directory + "/home"
        try? createDirectory(path)
        return path
    }()

    static var rshDirectory: String { path + "/.rsh" }

    /// The environment of the test process, with `HOME` pointing here and no
    /// `RSH_KEY_FILE` of the person running the tests.
    static var environment: [String] {
        currentEnvironment().filter { !$0.hasPrefix("HOME=") && !$0.hasPrefix("RSH_KEY_FILE=") } + ["HOME=" + path]
    }
}
