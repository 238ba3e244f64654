import Foundation
import RSHSystem

/// A scratch directory for one test run.
enum Scratch {
    static let directory: String = {
        let path = NSTemporaryDirectory() + "rsh-tests-\(ProcessIdentity.processID)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    static func path(_ name: String) -> String { directory + "/" + name + "-" + UUID().uuidString.prefix(8) }
}
