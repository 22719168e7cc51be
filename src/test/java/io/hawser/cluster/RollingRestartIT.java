package io.hawser.cluster;

import io.hawser.testkit.AckedLoad;
import io.hawser.testkit.ChildCluster;
import io.hawser.testkit.ReplicaLogs;
import io.hawser.testkit.Soak;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A rolling restart under {@code ack=all} load (3 nodes, RF 3, minInsyncReplicas 2, 2 partitions): one node at a
 * time is stopped with SIGTERM (exit code 0; it hands its leaderships over first), restarted on its data dir and
 * waited for until every partition's ISR is full again. Afterwards no acknowledged message is lost (as in
 * {@link LeaderFailoverIT}) and the publishers only ever saw retriable answers (503/504; connection failures to the
 * node being stopped are counted apart). One pass per run; {@code -Dhawser.soak=true} does 5.
 */
class RollingRestartIT {
    private static final String STREAM = "rolling";
    private static final int PARTITIONS = 2;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final ChildCluster cluster = ChildCluster.perTest("rolling-restart", 3);

    @Test
    @Timeout(value = 3600, unit = TimeUnit.SECONDS)
    void aRollingRestartLosesNoAcknowledgedMessage() {
        AckedLoad load = cluster.startLoad("rolling", STREAM, PARTITIONS, WAIT);

        int passes = Soak.rounds(1, 5);
        for (int pass = 1; pass <= passes; pass++) {
            for (int i = 0; i < cluster.size(); i++) {
                int node = i;
                load.awaitMoreAcks(100, WAIT);
                long stopping = System.nanoTime();
                int exit = cluster.terminate(i);
                long stoppedMs = (System.nanoTime() - stopping) / 1_000_000;
                assertEquals(0, exit, () -> "SIGTERM exit code; output:\n" + cluster.tail(node, 60));
                load.awaitMoreAcks(50, WAIT); // two nodes keep taking ack=all writes
                cluster.restart(i);
                for (int p = 0; p < PARTITIONS; p++) {
                    cluster.awaitLeader(STREAM, p, WAIT);
                    cluster.awaitIsr(STREAM, p, 3, Duration.ofSeconds(60));
                }
                System.out.println("RollingRestartIT pass " + pass + ": " + cluster.nodeId(i) + " stopped in "
                        + stoppedMs + " ms, restarted, ISR full; " + load.summary());
            }
        }
        load.awaitMoreAcks(100, WAIT);
        load.stop();
        System.out.println("RollingRestartIT: " + load.summary());
        assertEquals(List.of(), load.violations());
        assertEquals(List.of(), load.unexpectedErrors());
        for (Map.Entry<String, Long> error : load.errorCounts().entrySet()) {
            String key = error.getKey();
            assertTrue(key.equals("io") || key.startsWith("503:") || key.startsWith("504:"),
                    () -> "non-retriable error during the rolling restart: " + load.errorCounts());
        }

        for (int p = 0; p < PARTITIONS; p++) {
            cluster.awaitIsr(STREAM, p, 3, WAIT);
            cluster.awaitCommitted(STREAM, p, WAIT);
        }
        assertArrayEquals(new int[] {0, 0, 0}, cluster.terminateAll(), "SIGTERM exit codes");
        ReplicaLogs.verifyStoppedCluster(cluster, STREAM, PARTITIONS, load.acks());
    }
}
