package io.hawser.storage;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Free and total bytes of the file system that holds the data directory, as last measured. One reading feeds
 * leader eligibility, the {@code diskSpace} health check and the disk gauges.
 *
 * <p>Threading: {@link #refresh} blocks (statfs), call it off the event loops; the getters are plain reads.
 */
public final class DiskSpace {
    private final Path dataDir;
    /** Unknown until first measured: an unmeasured disk never blocks leadership. */
    private volatile long freeBytes = Long.MAX_VALUE;
    private volatile long totalBytes = -1;

    public DiskSpace(Path dataDir) {
        this.dataDir = dataDir;
    }

    /** Measures again; a file system that cannot be read counts as full. */
    public void refresh() {
        try {
            FileStore store = Files.getFileStore(dataDir);
            freeBytes = store.getUsableSpace();
            totalBytes = store.getTotalSpace();
        } catch (IOException e) {
            freeBytes = 0;
        }
    }

    public long freeBytes() {
        return freeBytes;
    }

    /** -1 until measured. */
    public long totalBytes() {
        return totalBytes;
    }
}
