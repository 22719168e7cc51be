package io.hawser.cluster;

import io.hawser.testkit.AckedLoad;
import io.hawser.testkit.ChildCluster;
import io.hawser.testkit.ReplicaLogs;
import io.hawser.testkit.Soak;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kill -9 of a partition leader under continuous {@code ack=all} load (3 nodes, RF 3, minInsyncReplicas 2, 2
 * partitions): a new leader takes over quickly (kill -> first successful {@code ack=all} on that partition, printed;
 * target <= 2 s, asserted < 15 s), the load goes on, the killed node rejoins the ISR after a restart, and offline
 * every acknowledged message is present exactly once at its acknowledged offset on every replica, the replicas are
 * identical record by record and offsets are contiguous. One kill per run; {@code -Dhawser.soak=true} does 10.
 */
class LeaderFailoverIT {
    private static final String STREAM = "failover";
    private static final int PARTITIONS = 2;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final ChildCluster cluster = ChildCluster.perTest("leader-failover", 3);

    @Test
    @Timeout(value = 3600, unit = TimeUnit.SECONDS)
    void killMinus9OfTheLeaderLosesNoAcknowledgedMessage() {
        AckedLoad load = cluster.startLoad("failover", STREAM, PARTITIONS, WAIT);

        List<Long> failoverMs = new ArrayList<>();
        int rounds = Soak.rounds(1, 10);
        for (int round = 1; round <= rounds; round++) {
            String leader = cluster.awaitLeader(STREAM, 0, WAIT);
            int victim = cluster.indexOf(leader);
            load.awaitMoreAcks(100, WAIT);

            long killed = System.nanoTime();
            cluster.kill(victim);
            AckedLoad.Ack first = load.awaitFirstAckSentAfter(0, killed, Duration.ofSeconds(30));
            long ms = (first.ackedNanos() - killed) / 1_000_000;
            failoverMs.add(ms);
            String newLeader = cluster.awaitLeaderOtherThan(STREAM, 0, leader, WAIT);
            System.out.println("LeaderFailoverIT round " + round + ": killed leader " + leader + " of " + STREAM
                    + "/0; new leader " + newLeader + "; first ack=all on partition 0 " + ms + " ms after kill -9 ("
                    + first + ")");
            assertNotEquals(leader, newLeader);
            assertTrue(ms < 15_000, "failover took " + ms + " ms (target <= 2000 ms)");
            load.awaitMoreAcks(100, WAIT); // the load goes on with one node down

            cluster.restart(victim);
            for (int p = 0; p < PARTITIONS; p++) {
                cluster.awaitIsr(STREAM, p, 3, Duration.ofSeconds(60));
            }
            load.awaitMoreAcks(100, WAIT); // and with the node back
        }
        load.stop();
        System.out.println("LeaderFailoverIT: " + load.summary() + "; failover ms per round " + failoverMs);
        assertEquals(List.of(), load.violations());
        assertEquals(List.of(), load.unexpectedErrors());

        for (int p = 0; p < PARTITIONS; p++) {
            cluster.awaitIsr(STREAM, p, 3, WAIT);
            cluster.awaitCommitted(STREAM, p, WAIT);
        }
        int[] exits = cluster.terminateAll();
        assertArrayEquals(new int[] {0, 0, 0}, exits, "SIGTERM exit codes");
        ReplicaLogs.verifyStoppedCluster(cluster, STREAM, PARTITIONS, load.acks());
    }
}
