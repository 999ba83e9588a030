import ArgumentParser

// One writer per data directory across processes: `ake serve` and `ake compact-db` hold an
// exclusive flock on <data-dir>/ake.lock (released by the kernel if the process dies).
#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive lock on a data directory, held until `release` (or process exit).
final class DataDirLock {
    private var fd: Int32

    /// Takes the lock or fails at once, naming the data dir.
    init(dataDir: String) throws {
        let path = dataDir + "/ake.lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ValidationError("\(path): cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            fd = -1
            throw ValidationError("\(dataDir) is in use by another `ake serve` or `ake compact-db`; stop it first")
        }
    }

    func release() {
        guard fd >= 0 else { return }
        close(fd)  // drops the flock
        fd = -1
    }

    deinit { release() }
}
