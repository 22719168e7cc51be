package io.hawser.partition;

import io.hawser.log.LogConfig;
import io.hawser.log.Record;
import io.hawser.log.memory.InMemoryPartitionLog;
import io.hawser.model.AckPolicy;
import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.hawser.model.PublishAck;
import io.hawser.model.PublishMessage;
import io.hawser.model.StoredMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PartitionLeaderTest {
    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private final MutableClock clock = new MutableClock(1_000_000);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private PartitionLeader leader(InMemoryPartitionLog log, long dedupWindowMs) {
        return new PartitionLeader("s", 0, log, 7, dedupWindowMs, clock, pool);
    }

    private static PublishMessage msg(String value, String id) {
        return new PublishMessage(0, null, id, Map.of("h", "v"), value.getBytes(StandardCharsets.UTF_8));
    }

    private static List<PublishAck> acks(CompletableFuture<List<PublishAck>> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void assignsContiguousOffsetsStampsEpochAndAdvancesHighWatermark() throws Exception {
        InMemoryPartitionLog log = new InMemoryPartitionLog(LogConfig.defaults());
        PartitionLeader leader = leader(log, 0);
        assertEquals(-1, leader.highWatermark());
        List<PublishAck> a = acks(leader.append(List.of(msg("a", null), msg("b", null)), -1, AckPolicy.LEADER));
        assertEquals(List.of(0L, 1L), a.stream().map(PublishAck::offset).toList());
        assertEquals(1, leader.highWatermark());
        List<Record> read = leader.readCommitted(0, 10, 1 << 20);
        assertEquals(2, read.size());
        assertEquals(7, read.get(0).epoch());
        assertEquals(clock.millis(), read.get(0).timestamp());
        assertEquals("b", new String(read.get(1).value(), StandardCharsets.UTF_8));
    }

    @Test
    void concurrentPublishesAreGroupCommittedInOneOrder() throws Exception {
        InMemoryPartitionLog log = new InMemoryPartitionLog(LogConfig.defaults());
        PartitionLeader leader = leader(log, 0);
        List<CompletableFuture<List<PublishAck>>> futures = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            futures.add(leader.append(List.of(msg("m" + i, null)), -1, AckPolicy.LEADER));
        }
        List<Long> offsets = new ArrayList<>();
        for (CompletableFuture<List<PublishAck>> f : futures) {
            offsets.add(acks(f).get(0).offset());
        }
        for (int i = 0; i < offsets.size(); i++) {
            assertEquals(i, offsets.get(i), "queue order is offset order");
        }
        assertEquals(1999, leader.highWatermark());
    }

    @Test
    void duplicateIdsGetTheFirstCopysOffsetWithinTheWindowOnlyAndAfterRestart() throws Exception {
        InMemoryPartitionLog log = new InMemoryPartitionLog(LogConfig.defaults());
        PartitionLeader leader = leader(log, 60_000);
        PublishAck first = acks(leader.append(List.of(msg("x", "id-1")), -1, AckPolicy.LEADER)).get(0);
        List<PublishAck> again = acks(leader.append(List.of(msg("y", null), msg("x", "id-1")), -1, AckPolicy.LEADER));
        assertFalse(first.duplicate());
        assertTrue(again.get(1).duplicate());
        assertEquals(first.offset(), again.get(1).offset());
        assertEquals(2, log.endOffset(), "the duplicate is not stored");

        // a new leader over the same log rebuilds the window from the stored ids
        PartitionLeader restarted = leader(log, 60_000);
        assertTrue(acks(restarted.append(List.of(msg("x", "id-1")), -1, AckPolicy.LEADER)).get(0).duplicate());

        clock.advance(60_001);
        PublishAck late = acks(restarted.append(List.of(msg("x", "id-1")), -1, AckPolicy.LEADER)).get(0);
        assertFalse(late.duplicate(), "outside the window the id is new");
        assertEquals(2, late.offset());
    }

    @Test
    void expectedOffsetMismatchStoresNothing() throws Exception {
        InMemoryPartitionLog log = new InMemoryPartitionLog(LogConfig.defaults());
        PartitionLeader leader = leader(log, 0);
        acks(leader.append(List.of(msg("a", null)), -1, AckPolicy.LEADER));
        PublishAck wrong = acks(leader.append(List.of(msg("b", null)), 0, AckPolicy.LEADER)).get(0);
        assertEquals(ErrorCode.OFFSET_MISMATCH, wrong.error());
        assertEquals(1, log.endOffset());
        PublishAck right = acks(leader.append(List.of(msg("b", null)), 1, AckPolicy.LEADER)).get(0);
        assertEquals(1, right.offset());
    }

    @Test
    void readersWaitingForTheNextCommitAreWoken() throws Exception {
        InMemoryPartitionLog log = new InMemoryPartitionLog(LogConfig.defaults());
        PartitionLeader leader = leader(log, 0);
        CompletableFuture<Void> next = leader.nextCommit();
        assertFalse(next.isDone());
        acks(leader.append(List.of(msg("a", null)), -1, AckPolicy.LEADER));
        next.get(5, TimeUnit.SECONDS);
        assertTrue(leader.readCommitted(1, 10, 1024).isEmpty());
    }

    @Test
    void closedLeaderRefusesAppends() throws Exception {
        InMemoryPartitionLog log = new InMemoryPartitionLog(LogConfig.defaults());
        PartitionLeader leader = leader(log, 0);
        leader.close();
        CompletableFuture<List<PublishAck>> f = leader.append(List.of(msg("a", null)), -1, AckPolicy.LEADER);
        Throwable failure = f.handle((v, e) -> e).get(5, TimeUnit.SECONDS);
        assertTrue(failure instanceof HawserException he && he.code() == ErrorCode.NO_LEADER, String.valueOf(failure));
        assertEquals(0, log.endOffset());
    }

    /** A clock tests move by hand. */
    static final class MutableClock extends Clock {
        private volatile long millis;

        MutableClock(long millis) {
            this.millis = millis;
        }

        void advance(long ms) {
            millis += ms;
        }

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    @Test
    void copiesKeepTheSourceOffsetsAndTimestampsAndNeverWriteOverTheLog() throws Exception {
        InMemoryPartitionLog log = new InMemoryPartitionLog(LogConfig.defaults());
        PartitionLeader leader = leader(log, 0);
        assertEquals(0L, leader.copy(List.of()).get(5, TimeUnit.SECONDS), "an empty copy reports the end");
        List<StoredMessage> first = List.of(
                new StoredMessage(40, 111, "k".getBytes(), Map.of("H", "v"), "a".getBytes()),
                new StoredMessage(41, 99, null, Map.of(), "b".getBytes()),
                new StoredMessage(43, 222, null, Map.of(), "c".getBytes()));
        assertEquals(44L, leader.copy(first).get(5, TimeUnit.SECONDS));
        List<Record> stored = log.read(40, Long.MAX_VALUE, 10, 1 << 20);
        assertEquals(List.of(40L, 41L, 43L), stored.stream().map(Record::offset).toList());
        assertEquals(List.of(111L, 99L, 222L), stored.stream().map(Record::timestamp).toList());
        assertEquals(Map.of("H", "v"), stored.get(0).headers());
        assertEquals(7, stored.get(0).epoch(), "stamped with this leader's epoch");
        assertEquals(40L, log.startOffset(), "a mirror that starts mid-stream starts its log there");

        ExecutionException overlap = assertThrows(ExecutionException.class, () -> leader.copy(List.of(
                new StoredMessage(43, 1, null, Map.of(), "again".getBytes()),
                new StoredMessage(44, 1, null, Map.of(), "d".getBytes()))).get(5, TimeUnit.SECONDS));
        assertEquals(ErrorCode.OFFSET_MISMATCH, ((HawserException) overlap.getCause()).code());
        assertThrows(ExecutionException.class, () -> leader.copy(List.of(
                new StoredMessage(45, 1, null, Map.of(), "d".getBytes()),
                new StoredMessage(45, 1, null, Map.of(), "e".getBytes()))).get(5, TimeUnit.SECONDS));
        assertEquals(44L, log.endOffset(), "a rejected copy stores nothing");
    }
}
