package io.hawser.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.cp.CPGroup;
import com.hazelcast.cp.CPSubsystem;
import com.hazelcast.cp.lock.FencedLock;
import com.hazelcast.cp.session.CPSession;
import io.hawser.bus.Addresses;
import io.hawser.bus.Messages;
import io.hawser.model.PartitionState;
import io.hawser.partition.LeaderLease;
import io.hawser.partition.LeaseTable;
import io.vertx.core.Vertx;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Elects partition leaders with one Hazelcast CP {@link FencedLock} per partition; the lock's fence becomes (a lower
 * bound of) the leader epoch. FencedLock ownership belongs to a thread, so one dedicated thread here acquires,
 * renews (each renewal extends the partition's {@link LeaderLease}) and releases every lock of this node.
 *
 * <p>Only replicas in the ISR whose log storage reports verified try to lead. When Hazelcast removes a member, the
 * survivors close its CP sessions, so its locks free in about a second rather than at the session TTL.
 */
public final class LeaderElector implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LeaderElector.class.getName());
    private static final long TICK_MS = 50;
    private static final long RENEW_EVERY_NANOS = 400_000_000L;
    private static final long RESYNC_EVERY_NANOS = 1_000_000_000L;
    /** How long non-preferred replicas leave a leaderless partition to its live preferred replica. */
    private static final long PREFERRED_GRACE_NANOS = 1_000_000_000L;
    /**
     * The same for a partition that never had a leader (a new stream): nothing waits on it yet, and a longer grace
     * keeps one slow node from ending up with none of the new leaders, which nothing moves back later.
     */
    private static final long FIRST_LEADER_GRACE_NANOS = 3_000_000_000L;

    private final ClusterMembership membership;
    private final ClusterMetadata metadata;
    private final StreamCatalog catalog;
    private final Vertx vertx;
    private final LeaseTable leases;
    private final long leaseMs;
    private final String nodeId;
    private final CPSubsystem cp;
    private final Thread thread;
    private final ExecutorService sessionCloser = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "hawser-cp-session-closer");
        t.setDaemon(true);
        return t;
    });
    private final Object wake = new Object();
    /** Leaderships whose disk write failed, to give up on the next tick. */
    private final java.util.Queue<Messages.StorageFailed> failedStorage =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final io.vertx.core.eventbus.MessageConsumer<Messages.StorageFailed> storageFailures;
    private final UUID membershipListener;
    /** Touched only by the elector thread. */
    private final Map<String, Held> held = new HashMap<>();
    private final Map<String, Long> leaderlessSince = new HashMap<>();
    private final Map<String, FencedLock> locks = new HashMap<>();
    private long lastResyncNanos = System.nanoTime();
    private long resyncs;
    private volatile boolean running = true;
    private volatile boolean handingOver;
    private final java.util.concurrent.CompletableFuture<Void> handedOver = new java.util.concurrent.CompletableFuture<>();

    private record Held(String stream, int partition, FencedLock lock, long fence, long epoch, LeaderLease lease,
                        long[] lastRenewNanos) {
    }

    public LeaderElector(ClusterMembership membership, ClusterMetadata metadata, StreamCatalog catalog, Vertx vertx,
                         LeaseTable leases, long leaseMs) {
        this.membership = membership;
        this.metadata = metadata;
        this.catalog = catalog;
        this.vertx = vertx;
        this.leases = leases;
        this.leaseMs = leaseMs;
        this.nodeId = membership.nodeId();
        this.cp = membership.hazelcast().getCPSubsystem();
        this.membershipListener = membership.hazelcast().getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                wakeUp();
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                vertx.eventBus().publish(Addresses.NODE_GONE,
                        new Messages.NodeGone(ClusterMembership.nodeIdOf(event.getMember())));
                sessionCloser.execute(() -> closeSessionsOf(event.getMember()));
                wakeUp();
            }
        });
        this.storageFailures = vertx.eventBus().<Messages.StorageFailed>localConsumer(Addresses.STORAGE_FAILED, m -> {
            failedStorage.add(m.body());
            wakeUp();
        });
        this.thread = new Thread(this::run, "hawser-elector");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Re-examines every partition now (metadata changed, a member came or went). */
    public void wakeUp() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private void closeSessionsOf(Member gone) {
        try {
            for (CPSession s : cp.getCPSessionManagementService().getAllSessions(CPGroup.DEFAULT_GROUP_NAME)
                    .toCompletableFuture().get(10, TimeUnit.SECONDS)) {
                if (gone.getAddress().equals(s.endpoint())) {
                    cp.getCPSessionManagementService().forceCloseSession(CPGroup.DEFAULT_GROUP_NAME, s.id())
                            .toCompletableFuture().get(10, TimeUnit.SECONDS);
                    LOG.log(System.Logger.Level.INFO, "closed CP session " + s.id() + " of departed member "
                            + ClusterMembership.nodeIdOf(gone) + " so its partition locks free now");
                }
            }
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "cannot close the CP sessions of departed member "
                    + ClusterMembership.nodeIdOf(gone) + ": " + e);
        }
        wakeUp();
        // Its CP seat goes to a live member (a restarted node promotes itself), keeping a CP majority possible.
        try {
            var management = cp.getCPSubsystemManagementService();
            // A promoted member's CP identity has its own UUID: match by address.
            var cpMember = management.getCPMembers().toCompletableFuture().get(10, TimeUnit.SECONDS).stream()
                    .filter(m -> m.getAddress().equals(gone.getAddress())).findFirst();
            if (cpMember.isPresent()) {
                management.removeCPMember(cpMember.get().getUuid()).toCompletableFuture().get(30, TimeUnit.SECONDS);
                LOG.log(System.Logger.Level.INFO, "removed departed member " + ClusterMembership.nodeIdOf(gone)
                        + " from the CP group");
            }
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "CP member removal of " + ClusterMembership.nodeIdOf(gone)
                    + ": " + e);
        }
    }

    private void run() {
        while (running) {
            try {
                if (handingOver) {
                    handOverAll();
                    handedOver.complete(null);
                    return;
                }
                tick();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "leader election round failed: " + e);
            }
            synchronized (wake) {
                try {
                    wake.wait(TICK_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static String key(String stream, int partition) {
        return stream + "/" + partition;
    }

    private void tick() {
        long now = System.nanoTime();
        if (now - lastResyncNanos > RESYNC_EVERY_NANOS) {
            lastResyncNanos = now;
            metadata.resync();
            if (++resyncs % 10 == 0) {
                metadata.resyncCursors(); // every 10 s: copies on disk catch up with any missed cursor event
            }
        }
        Messages.StorageFailed failed;
        while ((failed = failedStorage.poll()) != null) {
            Held h = held.get(key(failed.stream(), failed.partition()));
            if (h != null) {
                release(h, "its disk write failed (" + failed.reason() + "); it may lead again once the disk has "
                        + "room");
                // Leaderless in the metadata: counted offline, and any in-sync follower may take over at once.
                metadata.clearLeader(failed.stream(), failed.partition(), h.epoch());
            }
        }
        Set<String> live = new HashSet<>(membership.liveNodeIds());
        Set<String> seen = new HashSet<>();
        for (StreamEntry entry : catalog.entries()) {
            if (entry.deleted()) {
                continue;
            }
            for (int p = 0; p < entry.partitions().size(); p++) {
                String key = key(entry.name(), p);
                seen.add(key);
                PartitionState state = entry.partitions().get(p);
                Held h = held.get(key);
                if (h != null) {
                    if (!state.replicas().contains(nodeId) || state.epoch() > h.epoch()) {
                        release(h, "the metadata moved on (epoch " + state.epoch() + ")");
                    } else if (System.nanoTime() - h.lastRenewNanos()[0] >= RENEW_EVERY_NANOS) {
                        renew(h);
                    }
                } else if (shouldTry(key, state, live)) {
                    tryLead(entry.name(), p, state);
                }
            }
        }
        for (Held h : List.copyOf(held.values())) {
            if (!seen.contains(key(h.stream(), h.partition()))) {
                release(h, "the stream was deleted");
            }
        }
    }

    private boolean shouldTry(String key, PartitionState state, Set<String> live) {
        if (!state.replicas().contains(nodeId) || !state.isr().contains(nodeId)) {
            return false;
        }
        boolean leaderless = state.leader() == null || state.leader().equals(nodeId)
                || !live.contains(state.leader());
        if (!leaderless) {
            leaderlessSince.remove(key);
            return false;
        }
        long now = System.nanoTime();
        long since = leaderlessSince.computeIfAbsent(key, k -> now);
        String preferred = state.replicas().get(0);
        boolean preferredCanLead = !preferred.equals(nodeId) && live.contains(preferred)
                && state.isr().contains(preferred) && !preferred.equals(state.leader());
        long grace = state.epoch() == 0 ? FIRST_LEADER_GRACE_NANOS : PREFERRED_GRACE_NANOS;
        return !preferredCanLead || now - since > grace;
    }

    private void tryLead(String stream, int partition, PartitionState state) {
        Messages.ReplicaEligibility eligible = ask(Addresses.STORAGE_REPLICA_CHECK,
                new Messages.ReplicaCheck(stream, partition), Messages.ReplicaEligibility.class);
        if (eligible == null || !eligible.eligible()) {
            return;
        }
        FencedLock lock = locks.computeIfAbsent(key(stream, partition),
                k -> cp.getLock("hawser.leader." + stream + "." + partition));
        long started = System.nanoTime();
        long fence;
        try {
            fence = lock.tryLockAndGetFence();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot try the lock of " + stream + "/" + partition + ": " + e);
            return;
        }
        if (fence == FencedLock.INVALID_FENCE) {
            return;
        }
        LeaderLease lease = new LeaderLease(leaseMs, started, System::nanoTime);
        leases.put(stream, partition, lease);
        long minEpoch = Math.max(fence, state.epoch() + 1);
        Messages.Leading leading = ask(Addresses.STORAGE_LEAD, new Messages.Lead(stream, partition, minEpoch),
                Messages.Leading.class);
        Held h = new Held(stream, partition, lock, fence, leading == null ? -1 : leading.epoch(), lease,
                new long[]{started});
        if (leading == null || !metadata.setLeader(stream, partition, nodeId, leading.epoch())) {
            release(h, "it could not take over the partition");
            return;
        }
        held.put(key(stream, partition), h);
        leaderlessSince.remove(key(stream, partition));
        Set<String> live = new HashSet<>(membership.liveNodeIds());
        for (String replica : state.isr()) {
            if (!live.contains(replica)) {
                vertx.eventBus().publish(Addresses.NODE_GONE, new Messages.NodeGone(replica));
            }
        }
        LOG.log(System.Logger.Level.INFO, "leading " + stream + "/" + partition + " at epoch " + leading.epoch()
                + " (lock fence " + fence + ")");
    }

    private void renew(Held h) {
        long started = System.nanoTime();
        try {
            if (h.lock().getFence() == h.fence()) {
                h.lease().renewed(started);
                h.lastRenewNanos()[0] = started;
                return;
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "lock check failed: " + e);
        }
        release(h, "its lock is no longer held");
    }

    /** Gives up leadership: no ack from here on, storage follows the next leader, the lock goes. */
    private void release(Held h, String why) {
        h.lease().revoke();
        held.remove(key(h.stream(), h.partition()));
        leases.remove(h.stream(), h.partition(), h.lease());
        ask(Addresses.STORAGE_FOLLOW, new Messages.Follow(h.stream(), h.partition()), Messages.Done.class);
        try {
            h.lock().unlock();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "unlock of " + h.stream() + "/" + h.partition() + ": " + e);
        }
        LOG.log(System.Logger.Level.INFO, "stopped leading " + h.stream() + "/" + h.partition() + " (epoch "
                + h.epoch() + "): " + why);
    }

    /** Hands every partition this node leads to an in-sync follower, then stops electing. Blocking, bounded. */
    public void handOver(long waitMs) {
        handingOver = true;
        wakeUp();
        try {
            handedOver.get(waitMs + 3_000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "leadership hand-over did not finish: " + e);
        }
    }

    private void handOverAll() {
        for (Held h : List.copyOf(held.values())) {
            ask(Addresses.STORAGE_HAND_OVER, new Messages.HandOver(h.stream(), h.partition(), 5_000),
                    Messages.HandOverReady.class);
            h.lease().revoke();
            metadata.clearLeader(h.stream(), h.partition(), h.epoch());
            release(h, "this node is shutting down");
        }
    }

    private <T> T ask(String address, Object message, Class<T> type) {
        try {
            Object reply = vertx.eventBus().request(address, message).toCompletionStage().toCompletableFuture()
                    .get(30, TimeUnit.SECONDS).body();
            return type.cast(reply);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, address + " failed: " + e);
            return null;
        }
    }

    @Override
    public void close() {
        running = false;
        wakeUp();
        try {
            thread.join(2_000); // it may be stuck in a CP call that cannot finish (no CP majority left)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Held h : List.copyOf(held.values())) {
            h.lease().revoke();
        }
        sessionCloser.shutdownNow();
        storageFailures.unregister();
        try {
            membership.hazelcast().getCluster().removeMembershipListener(membershipListener);
        } catch (RuntimeException ignored) {
            // Hazelcast already down
        }
    }
}
