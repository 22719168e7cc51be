package io.hawser.ingest;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Chooses a partition: the key's FNV-1a 32-bit hash modulo the partition count (stable across nodes, restarts and
 * versions, so a key always lands on the same partition), or round-robin for keyless messages.
 */
final class Partitioner {
    private final AtomicInteger roundRobin = new AtomicInteger();

    int partitionFor(byte[] key, int partitions) {
        if (partitions == 1) {
            return 0;
        }
        if (key == null) {
            return Math.floorMod(roundRobin.getAndIncrement(), partitions);
        }
        return Math.floorMod(fnv1a(key), partitions);
    }

    static int fnv1a(byte[] bytes) {
        int hash = 0x811c9dc5;
        for (byte b : bytes) {
            hash ^= b & 0xff;
            hash *= 0x01000193;
        }
        return hash;
    }
}
