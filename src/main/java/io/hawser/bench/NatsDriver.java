package io.hawser.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One measured (or warm-up) NATS publish run against one {@link NatsSystem}: {@code publishers} threads, each
 * with its own connection, each keeping up to {@code window} messages in flight (a {@link Semaphore}; window 0 =
 * sync, one blocking publish at a time), until the shared message budget or the deadline runs out. Latency is
 * send to ack, per message. Connections are opened before the clock starts; the run ends at the last ack.
 */
final class NatsDriver {
  /** Stop hammering a broken server: the run is FAILED after the first error anyway. */
  private static final int MAX_FAILURES = 20;
  /** jnats times a request out on its clean-up pass (every 5 s by default), so a late answer can take this long. */
  private static final long CLEANUP_SLACK_MS = 7_000;

  private NatsDriver() {}

  /** A run's numbers, the CPU/memory of the processes involved, and the cores other processes took meanwhile. */
  record NatsRun(RunResult result, List<ResourceMonitor.Usage> usage, double otherCores) {}

  /** Runs {@code run} with {@code servers} and this JVM watched. */
  static NatsRun watched(List<ResourceMonitor.Watched> servers, java.util.function.Supplier<RunResult> run) {
    ResourceMonitor monitor = ResourceMonitor.startWithClient(servers);
    RunResult result = run.get();
    ResourceMonitor.Result usage = monitor.finish();
    return new NatsRun(result, usage.usage(), usage.otherCores());
  }

  static NatsRun run(NatsSystem system, int publishers, int window, long maxMessages, Duration maxDuration,
      Duration requestTimeout, byte[] payload) {
    List<NatsSystem.Publisher> opened = new ArrayList<>();
    try {
      for (int i = 0; i < publishers; i++) {
        opened.add(system.openPublisher(i));
      }
      return measure(system, opened, window, maxMessages, maxDuration, requestTimeout, payload);
    } finally {
      opened.forEach(NatsSystem.Publisher::close);
    }
  }

  private static NatsRun measure(NatsSystem system, List<NatsSystem.Publisher> publishers, int window,
      long maxMessages, Duration maxDuration, Duration requestTimeout, byte[] payload) {
    Budget budget = new Budget(maxMessages);
    CountDownLatch go = new CountDownLatch(1);
    List<State> states = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    long timeoutMs = requestTimeout.toMillis();
    int expected = (int) Math.min(1 << 20, maxMessages / publishers.size() + 1);
    for (int i = 0; i < publishers.size(); i++) {
      NatsSystem.Publisher p = publishers.get(i);
      State st = new State(expected);
      states.add(st);
      Thread t = new Thread(() -> {
        try {
          go.await();
          if (window <= 0) {
            syncLoop(p, st, budget, payload);
          } else {
            asyncLoop(p, st, window, budget, payload, timeoutMs);
          }
        } catch (InterruptedException e) {
          st.failed(1, "publisher interrupted");
        } catch (RuntimeException e) {
          st.failed(1, "publisher crashed: " + Await.describe(e));
        }
      }, "bench-nats-" + system.key() + "-" + i);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    ResourceMonitor monitor = ResourceMonitor.startWithClient(system.serverProcesses());
    budget.deadlineNanos = System.nanoTime() + maxDuration.toNanos();
    go.countDown();
    long joinBound = System.nanoTime() + maxDuration.toNanos() + (timeoutMs + CLEANUP_SLACK_MS + 5_000) * 1_000_000L;
    for (Thread t : threads) {
      long left = (joinBound - System.nanoTime()) / 1_000_000L;
      try {
        t.join(Math.max(1, left));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BenchException("interrupted");
      }
    }
    budget.abort = true;
    ResourceMonitor.Result usage = monitor.finish();
    for (int i = 0; i < threads.size(); i++) {
      if (threads.get(i).isAlive()) {
        states.get(i).failed(1, "publisher " + i + " still waiting for acks long after the run's deadline");
      }
    }
    return new NatsRun(merge(states), usage.usage(), usage.otherCores());
  }

  /** Window = in-flight limit per publisher: a permit per message, given back by its ack (or its failure). */
  private static void asyncLoop(NatsSystem.Publisher p, State st, int window, Budget budget, byte[] payload,
      long timeoutMs) throws InterruptedException {
    Semaphore permits = new Semaphore(window);
    long waitMs = timeoutMs + CLEANUP_SLACK_MS;
    st.start();
    while (!budget.abort && System.nanoTime() < budget.deadlineNanos) {
      if (!permits.tryAcquire(waitMs, TimeUnit.MILLISECONDS)) {
        st.failed(window, window + " messages unanswered for " + waitMs + " ms");
        budget.abort = true;
        return;
      }
      if (budget.messagesLeft.getAndDecrement() <= 0) {
        permits.release();
        break;
      }
      long t0 = System.nanoTime();
      try {
        p.send(payload, new NatsSystem.Ack() {
          @Override
          public void acked(long offset) {
            st.acked(t0, System.nanoTime(), offset);
            permits.release();
          }

          @Override
          public void failed(String why) {
            st.failed(1, why);
            budget.failure();
            permits.release();
          }
        });
      } catch (RuntimeException e) {
        st.failed(1, "send: " + Await.describe(e));
        budget.failure();
        permits.release();
      }
    }
    // Drain: every message sent is acked, failed or timed out by jnats before the publisher ends.
    if (!permits.tryAcquire(window, waitMs, TimeUnit.MILLISECONDS)) {
      int missing = window - permits.availablePermits();
      st.failed(missing, missing + " messages unanswered " + waitMs + " ms after the last send");
    }
  }

  private static void syncLoop(NatsSystem.Publisher p, State st, Budget budget, byte[] payload) {
    st.start();
    while (!budget.abort && System.nanoTime() < budget.deadlineNanos && budget.messagesLeft.getAndDecrement() > 0) {
      long t0 = System.nanoTime();
      try {
        long offset = p.sendSync(payload);
        st.acked(t0, System.nanoTime(), offset);
      } catch (BenchException e) {
        st.failed(1, e.getMessage());
        budget.failure();
      }
    }
  }

  private static RunResult merge(List<State> states) {
    LatencyRecorder latencies = new LatencyRecorder(1024);
    OffsetCheck offsets = new OffsetCheck();
    long acked = 0;
    long failed = 0;
    String firstError = null;
    long start = Long.MAX_VALUE;
    long end = Long.MIN_VALUE;
    for (State s : states) {
      synchronized (s) {
        latencies.addAll(s.latencies);
        offsets.addAll(s.offsets);
        acked += s.acked;
        failed += s.failed;
        if (firstError == null) {
          firstError = s.firstError;
        }
        if (s.startNanos != 0) {
          start = Math.min(start, s.startNanos);
          end = Math.max(end, Math.max(s.endNanos, s.startNanos));
        }
      }
    }
    OffsetCheck.Result check = offsets.check();
    if (firstError == null) {
      firstError = check.problem();
    }
    double seconds = start == Long.MAX_VALUE ? 0 : (end - start) / 1e9;
    return new RunResult(acked, failed, check.anomalies(), seconds, latencies.summary(), firstError, offsets.base());
  }

  /**
   * One publisher's results. Acks arrive on jnats' reply dispatcher thread (or, rarely, on the publisher's own
   * thread when a future is already complete), so every access holds the monitor: uncontended, it costs tens of ns.
   */
  private static final class State {
    final LatencyRecorder latencies;
    final OffsetCheck offsets = new OffsetCheck();
    long acked;
    long failed;
    String firstError;
    long startNanos;
    long endNanos;

    State(int expected) {
      latencies = new LatencyRecorder(expected);
    }

    synchronized void start() {
      startNanos = System.nanoTime();
      endNanos = startNanos;
    }

    synchronized void acked(long t0, long t1, long offset) {
      latencies.record(t1 - t0);
      offsets.add(offset);
      acked++;
      if (t1 > endNanos) {
        endNanos = t1;
      }
    }

    synchronized void failed(int messages, String why) {
      failed += messages;
      if (firstError == null) {
        firstError = why;
      }
    }
  }

  /** What the publishers of one run share: how many messages may still be sent, and until when. */
  private static final class Budget {
    final AtomicLong messagesLeft;
    final AtomicInteger failures = new AtomicInteger();
    volatile long deadlineNanos = Long.MAX_VALUE;
    volatile boolean abort;

    Budget(long messages) {
      this.messagesLeft = new AtomicLong(messages);
    }

    void failure() {
      if (failures.incrementAndGet() >= MAX_FAILURES) {
        abort = true;
      }
    }
  }
}
