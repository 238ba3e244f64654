import Foundation
import Glibc
import RSHFiles
import RSHProtocol
@testable import RSHSystem
import RSHTestSupport
import Testing

@Suite("DirectoryReader and FileOperations")
struct DirectoryTests {
    @Test("a directory entry's name is read in place: an entry that ends a page, before memory that is not mapped, is read no further than its name")
    func entryAtPageEnd() throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let memory = try #require(mmap(nil, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        try #require(memory != MAP_FAILED)
        defer { munmap(memory, 2 * page) }
        #expect(mprotect(memory + page, page, PROT_NONE) == 0)
        // As getdents(2) lays entries out: the name, its 0, padding to 8 bytes.
        let name = Array("a.txt".utf8)
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
        let length = (nameOffset + name.count + 1 + 7) / 8 * 8
        #expect(length < MemoryLayout<dirent>.size, "the record is shorter than struct dirent, as short names' are")
        let record = memory + (page - length)
        (record + nameOffset).copyMemory(from: name + [0], byteCount: name.count + 1)
        let entry = record.bindMemory(to: dirent.self, capacity: 1)
        #expect(Array(entryName(entry)) == name)
    }

    @Test("a listing names every kind, a link with its target, and skips (and counts) names that are not UTF-8")
    func listing() throws {
        let directory = try scratchDirectory()
        try writeFile(directory + "/file\nwith newline", [1, 2, 3])
        try createDirectory(directory + "/sub")
        #expect(symlink("../elsewhere", directory + "/link") == 0)
        #expect(mkfifo(directory + "/fifo", 0o600) == 0)
        // A name with the byte 0xFF, which no UTF-8 text holds.
        let raw = Array((directory + "/bad-").utf8) + [0xFF, 0]
        let created = raw.withUnsafeBufferPointer { creat(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), 0o600) }
        #expect(created >= 0)
        close(created)
        let reader = try DirectoryReader(directory)
        var entries: [String: FileInfo] = [:]
        while let (name, info) = try reader.next() { entries[name] = info }
        #expect(entries.keys.sorted() == ["fifo", "file\nwith newline", "link", "sub"])
        #expect(entries["file\nwith newline"]?.kind == .regular)
        #expect(entries["file\nwith newline"]?.size == 3)
        #expect(entries["sub"]?.kind == .directory)
        #expect(entries["link"]?.kind == .symbolicLink)
        #expect(entries["link"]?.linkTarget == "../elsewhere")
        #expect(entries["fifo"]?.kind == .other)
        #expect(reader.skipped == 1)
    }

    @Test("a listing of a file is not_directory")
    func listingAFile() throws {
        let directory = try scratchDirectory()
        try writeFile(directory + "/f", [])
        #expect { try DirectoryReader(directory + "/f") } throws: { ($0 as? FileError)?.code == .notDirectory }
    }

    @Test("mkdir makes a directory of exactly the mode asked for, takes one already there, and refuses a file")
    func makeDirectory() throws {
        let directory = try scratchDirectory()
        try FileOperations.makeDirectory(directory + "/d", permissions: 0o777)
        #expect(try statField("%a %F", directory + "/d") == "777 directory", "the umask plays no part")
        try FileOperations.makeDirectory(directory + "/d", permissions: 0o700)
        #expect(try statField("%a", directory + "/d") == "777", "one already there is left as it is")
        try writeFile(directory + "/f", [])
        #expect { try FileOperations.makeDirectory(directory + "/f", permissions: 0o755) } throws: {
            ($0 as? FileError)?.code == .notDirectory
        }
    }

    @Test("a symbolic link replaces a file or a link at once, never a directory")
    func symbolicLinks() throws {
        let directory = try scratchDirectory()
        try writeFile(directory + "/name", [1])
        try FileOperations.placeSymbolicLink(at: directory + "/name", target: "first target")
        #expect(try FileOperations.info(directory + "/name", followingLinks: false).linkTarget == "first target")
        try FileOperations.placeSymbolicLink(at: directory + "/name", target: "second")
        #expect(try FileOperations.info(directory + "/name", followingLinks: false).linkTarget == "second")
        try createDirectory(directory + "/dir")
        #expect { try FileOperations.placeSymbolicLink(at: directory + "/dir", target: "x") } throws: {
            ($0 as? FileError)?.code == .isDirectory
        }
        #expect(try names(in: directory) == ["dir", "name"])
    }

    @Test("set_attributes sets a mode and a time; a link's own time, and no mode through it")
    func attributes() throws {
        let directory = try scratchDirectory()
        try writeFile(directory + "/f", [])
        try FileOperations.setAttributes(directory + "/f", permissions: 0o4711, modified: FileTime(seconds: 86_400))
        #expect(try statField("%a %Y", directory + "/f") == "4711 86400")
        #expect(symlink("f", directory + "/l") == 0)
        try FileOperations.setAttributes(directory + "/l", permissions: 0o600, modified: FileTime(seconds: 172_800))
        #expect(try tool("stat", "--format", "%Y", directory + "/l") == "172800")
        #expect(try statField("%a %Y", directory + "/f") == "4711 86400", "the link's target is untouched")
    }

    @Test("stat follows links unless told not to; a missing path is no_such_file")
    func stat() throws {
        let directory = try scratchDirectory()
        try writeFile(directory + "/f", [1, 2])
        #expect(symlink("f", directory + "/l") == 0)
        #expect(try FileOperations.info(directory + "/l").kind == .regular)
        #expect(try FileOperations.info(directory + "/l", followingLinks: false).kind == .symbolicLink)
        #expect { try FileOperations.info(directory + "/none") } throws: { ($0 as? FileError)?.code == .noSuchFile }
    }

    @Test("each failing call has the protocol's code for it", arguments: [
        (Errno.noSuchFile, ErrorCode.noSuchFile), (.notDirectory, .notDirectory), (.isDirectory, .isDirectory),
        (.permissionDenied, .permissionDenied), (.notPermitted, .permissionDenied), (.readOnlyFileSystem, .permissionDenied),
        (.noSpace, .noSpace), (.quotaExceeded, .noSpace), (.fileTooLarge, .noSpace), (.nameTooLong, .fileFailed),
    ])
    func codes(_ errno: Errno, _ code: ErrorCode) {
        let error = FileError(errno, "/p")
        #expect(error.code == code)
        #expect(error.description == "/p: \(errno)")
    }
}
