package io.hawser.cluster;

import io.hawser.testkit.AckedLoad;
import io.hawser.testkit.ChildCluster;
import io.hawser.testkit.ReplicaLogs;
import io.hawser.testkit.Soak;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A leader frozen with SIGSTOP for 14 s (Hazelcast removes a member after 10 s without heartbeats) is deposed: a new
 * leader appears on another node while it sleeps. Meanwhile two publishers are pinned to the frozen node's own HTTP
 * API, so requests are in flight there when it freezes and are answered (or not) when it wakes; they go on for a
 * few seconds after SIGCONT. Whatever happens, every ack ever received, from any node including the old leader,
 * must be in the final logs at the acknowledged offset with that value (the lease rule: a deposed leader never
 * acknowledges).
 *
 * <p>The old node is given a bounded time (30 s) to rejoin on its own (all nodes see it alive and it is back in the
 * ISR); if it does not, it is killed and restarted on its data dir. The test prints which happened; both are
 * accepted here, the acknowledgement check is what must hold.
 */
class ZombieLeaderIT {
    private static final String STREAM = "zombie";
    private static final int PARTITIONS = 1;
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final long FREEZE_MS = 14_000;
    private static final Duration REJOIN_ON_ITS_OWN = Duration.ofSeconds(30);

    private ChildCluster cluster;
    private final List<AckedLoad> loads = new ArrayList<>();

    @AfterEach
    void tearDown() {
        loads.forEach(AckedLoad::close);
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Timeout(value = 1800, unit = TimeUnit.SECONDS)
    void aFrozenLeaderIsDeposedAndNoAckItGaveIsLost() throws Exception {
        cluster = ChildCluster.start("zombie-leader", 3);
        cluster.createReplicatedStream(STREAM, PARTITIONS, 2, WAIT);
        AckedLoad load = AckedLoad.start("zombie-main", STREAM, PARTITIONS, cluster::liveTargets)
                .diagnostics(() -> cluster.diagnose(STREAM));
        loads.add(load);
        load.awaitAcks(200, WAIT);

        List<String> outcomes = new ArrayList<>();
        int rounds = Soak.rounds(1, 3);
        for (int round = 1; round <= rounds; round++) {
            String oldLeader = cluster.awaitLeader(STREAM, 0, WAIT);
            int old = cluster.indexOf(oldLeader);
            // Publishers talking only to the leader-to-be-frozen: requests in flight across the freeze.
            AckedLoad pinned = AckedLoad.start("zombie-pinned", STREAM, PARTITIONS,
                    AckedLoad.Options.defaults().withThreads(2), cluster.pinned(old));
            loads.add(pinned);
            pinned.awaitMoreAcks(20, WAIT);

            long frozen = System.nanoTime();
            cluster.pause(old);
            String newLeader = cluster.awaitLeaderOtherThan(STREAM, 0, oldLeader, Duration.ofSeconds(45));
            long electedMs = (System.nanoTime() - frozen) / 1_000_000;
            load.awaitMoreAcks(50, WAIT); // the others take writes under the new leader
            Thread.sleep(Math.max(0, FREEZE_MS - (System.nanoTime() - frozen) / 1_000_000));
            long resumed = System.nanoTime();
            cluster.resume(old);
            Thread.sleep(3000); // the woken node answers what it had in flight, and takes a few more publishes
            pinned.stop();
            long answeredAfterWake = pinned.acks().stream().filter(a -> a.ackedNanos() - resumed > 0).count();
            long inFlightAcrossFreeze = pinned.acks().stream()
                    .filter(a -> a.sentNanos() - resumed < 0 && a.ackedNanos() - resumed > 0).count();

            String outcome;
            try {
                cluster.awaitMembership(REJOIN_ON_ITS_OWN);
                cluster.awaitIsr(STREAM, 0, 3, REJOIN_ON_ITS_OWN);
                outcome = "rejoined on its own";
            } catch (AssertionError notBack) {
                outcome = "did not rejoin within " + REJOIN_ON_ITS_OWN.toSeconds() + " s (" + firstLine(notBack)
                        + "); killed and restarted";
                cluster.kill(old);
                cluster.restart(old);
                cluster.awaitIsr(STREAM, 0, 3, Duration.ofSeconds(60));
            }
            outcomes.add(outcome);
            System.out.println("ZombieLeaderIT round " + round + ": froze leader " + oldLeader + " for " + FREEZE_MS
                    + " ms; new leader " + newLeader + " after " + electedMs + " ms; pinned publisher acks answered"
                    + " after SIGCONT " + answeredAfterWake + " (" + inFlightAcrossFreeze + " sent before it); old"
                    + " leader " + outcome + "; " + pinned.summary());
            load.awaitMoreAcks(50, WAIT);
        }
        load.stop();
        System.out.println("ZombieLeaderIT: " + load.summary() + "; outcomes " + outcomes);
        for (AckedLoad l : loads) {
            assertEquals(List.of(), l.violations(), l.label());
            assertEquals(List.of(), l.unexpectedErrors(), l.label());
        }

        cluster.awaitIsr(STREAM, 0, 3, WAIT);
        cluster.awaitCommitted(STREAM, 0, WAIT);
        assertArrayEquals(new int[] {0, 0, 0}, cluster.terminateAll(), "SIGTERM exit codes");
        ReplicaLogs.verifyStoppedCluster(cluster, STREAM, PARTITIONS,
                AckedLoad.union(loads.toArray(new AckedLoad[0])));
    }

    private static String firstLine(Throwable t) {
        String message = String.valueOf(t.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
