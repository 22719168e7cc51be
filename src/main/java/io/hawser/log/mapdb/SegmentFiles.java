package io.hawser.log.mapdb;

import io.hawser.log.LogException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * File names and the few file-system steps (fsync, atomic rename) every segment change is built from.
 *
 * <p>A segment is named by its base offset, zero-padded to 20 digits so names sort like offsets:
 * {@code 00000000000000001234.journal} (active or waiting to be sealed) and {@code 00000000000000001234.seg}
 * (sealed MapDB file). Anything being built carries a {@code .tmp} suffix until it is complete and fsynced, and
 * recovery deletes every {@code .tmp} it finds.
 *
 * <p>Threading: stateless; any thread.
 */
final class SegmentFiles {
    static final String JOURNAL_SUFFIX = ".journal";
    static final String SEALED_SUFFIX = ".seg";
    static final String TEMP_SUFFIX = ".tmp";
    static final String LOCK_FILE = "hawser.lock";

    private SegmentFiles() {
    }

    static Path journal(Path dir, long baseOffset) {
        return dir.resolve(name(baseOffset) + JOURNAL_SUFFIX);
    }

    static Path sealed(Path dir, long baseOffset) {
        return dir.resolve(name(baseOffset) + SEALED_SUFFIX);
    }

    /** Where {@code target} is built before it is renamed into place. */
    static Path temp(Path target, String purpose) {
        return target.resolveSibling(target.getFileName() + purpose + TEMP_SUFFIX);
    }

    static String name(long baseOffset) {
        return String.format("%020d", baseOffset);
    }

    /** The base offset in a segment file name with the given suffix, or -1 when the name is not one. */
    static long baseOffsetOf(String fileName, String suffix) {
        if (!fileName.endsWith(suffix) || fileName.length() != 20 + suffix.length()) {
            return -1;
        }
        String digits = fileName.substring(0, 20);
        for (int i = 0; i < digits.length(); i++) {
            if (!Character.isDigit(digits.charAt(i))) {
                return -1;
            }
        }
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Makes renames, creations and deletions inside {@code dir} durable. */
    static void fsyncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            throw new LogException("cannot fsync directory " + dir + ": " + e.getMessage(), e);
        }
    }

    static void fsyncFile(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        } catch (IOException e) {
            throw new LogException("cannot fsync " + file + ": " + e.getMessage(), e);
        }
    }

    /** Renames {@code from} over {@code to} in one step (rename(2)); the caller fsyncs the directory. */
    static void moveAtomically(Path from, Path to) {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new LogException("cannot rename " + from + " to " + to + ": " + e.getMessage(), e);
        }
    }

    static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new LogException("cannot delete " + file + ": " + e.getMessage(), e);
        }
    }

    static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new LogException("cannot stat " + file + ": " + e.getMessage(), e);
        }
    }

    static void readFully(FileChannel channel, ByteBuffer into, long position) throws IOException {
        while (into.hasRemaining()) {
            int n = channel.read(into, position);
            if (n < 0) {
                throw new java.io.EOFException("end of file at position " + position);
            }
            position += n;
        }
    }

    static void writeFully(FileChannel channel, ByteBuffer from, long position) throws IOException {
        while (from.hasRemaining()) {
            position += channel.write(from, position);
        }
    }
}
