package io.hawser.log.mapdb;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Test helpers that look at and damage a log directory's files directly. */
final class LogFiles {
    private LogFiles() {
    }

    static List<Path> withSuffix(Path dir, String suffix) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long totalBytes(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A value that is easy to find in a file: a marker naming the offset, then filler. */
    static byte[] markedValue(long offset, int size) {
        byte[] value = io.hawser.log.TestRecords.valueFor(offset, size);
        byte[] marker = marker(offset);
        System.arraycopy(marker, 0, value, 0, marker.length);
        return value;
    }

    static byte[] marker(long offset) {
        return String.format("PAYLOAD-%08d-", offset).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Flips one bit inside the record payload of {@code offset} (found by its marker) in the one file with
     * {@code suffix} that holds it. Returns that file.
     */
    static Path flipPayloadByte(Path dir, String suffix, long offset) {
        byte[] marker = marker(offset);
        Path found = null;
        long position = -1;
        for (Path file : withSuffix(dir, suffix)) {
            byte[] bytes = read(file);
            for (int at = indexOf(bytes, marker, 0); at >= 0; at = indexOf(bytes, marker, at + 1)) {
                if (found != null) {
                    throw new AssertionError("payload of offset " + offset + " found twice: " + found + ", " + file);
                }
                found = file;
                position = at + marker.length + 3;
            }
        }
        if (found == null) {
            throw new AssertionError("payload of offset " + offset + " not found in any *" + suffix);
        }
        flipBit(found, position);
        return found;
    }

    static void flipBit(Path file, long position) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, position);
            one.put(0, (byte) (one.get(0) ^ 0x10));
            one.rewind();
            channel.write(one, position);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Start positions of the frames of a journal file (format in {@link Journal}). */
    static List<Long> framePositions(Path journal) {
        byte[] bytes = read(journal);
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        List<Long> positions = new ArrayList<>();
        int position = Journal.HEADER_BYTES;
        while (position + Journal.FRAME_HEADER_BYTES <= bytes.length) {
            positions.add((long) position);
            position += Journal.FRAME_HEADER_BYTES + buffer.getInt(position + 4);
        }
        return positions;
    }

    static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Mappings of deleted files under {@code dir} that this JVM still holds (Linux only; empty elsewhere). */
    static List<String> deletedButMapped(Path dir) {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.exists(maps)) {
            return List.of();
        }
        try {
            String prefix = dir.toAbsolutePath().toString();
            return Files.readAllLines(maps).stream()
                    .filter(line -> line.contains(prefix) && line.endsWith("(deleted)")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
