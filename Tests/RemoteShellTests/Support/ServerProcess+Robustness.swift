import RSHTestSupport

extension ServerProcess {
    /// The server's descriptors once it has settled (other tests' connections
    /// to this server come and go, so only dedicated servers use this).
    var descriptorCount: Int { statistics.openDescriptorCount ?? -1 }

    /// Zombies among the server's children.
    var zombies: Int { statistics.children.filter { $0.state == "Z" }.count }

    /// Waits until the server is back to `baseline` descriptors (within `slack`) and has no zombie.
    func settles(to baseline: Int, slack: Int = 3, timeout: Duration = .seconds(10)) -> Bool {
        eventually(timeout: timeout) { abs(descriptorCount - baseline) <= slack && zombies == 0 }
    }

    /// The server answers a command (it is alive and serving).
    func answers() throws -> Bool {
        let client = try TestClient(port: port)
        try client.handshake()
        return try client.run("echo ok").stdoutText == "ok\n"
    }
}
