import Foundation
import RSHSystem
import Synchronization

/// Servers still running, stopped when the test process exits: the shared
/// servers live in statics, which are never deinitialized.
enum LiveServers {
    private static let processIDs = Mutex<Set<Int32>>([])
    private static let registerCleanup: Void = {
        atexit {
            for processID in LiveServers.processIDs.withLock({ $0 }) { try? signalProcess(processID, .kill) }
        }
    }()

    static func add(_ processID: Int32) {
        registerCleanup
        processIDs.withLock { _ = $0.insert(processID) }
    }

    static func remove(_ processID: Int32) {
        processIDs.withLock { _ = $0.remove(processID) }
    }
}
