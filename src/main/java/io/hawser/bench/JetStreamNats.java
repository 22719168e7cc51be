package io.hawser.bench;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.Message;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * NATS JetStream as the reference: each run gets a fresh stream {@code b1-<run>} (file storage, R1, subject
 * {@code js.b1.<run>}), created and deleted through {@link JetStreamManagement}; publishers use
 * {@link JetStream#publishAsync} (window) or {@link JetStream#publish} (sync) and check each {@link PublishAck}:
 * right stream, not a duplicate, its sequence (checked for gaps and duplicates like Hawser's offsets).
 */
final class JetStreamNats implements NatsSystem {
  static final String DURABILITY =
      "acks before fsync: nats-server 2.9 syncs its file store every 2 min by default (lazy); file storage, R1";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(15);

  private final List<NatsServerProcess> servers;
  private final int replicas;
  private final String url;
  private final JetStreamOptions jsOptions;
  private final Connection admin;
  private final JetStreamManagement jsm;
  private String stream;
  private String subject;

  JetStreamNats(NatsServerProcess server, Duration requestTimeout) {
    this(List.of(server), 1, requestTimeout);
  }

  /** A JetStream cluster: streams get {@code replicas} replicas; clients may connect to any server. */
  JetStreamNats(List<NatsServerProcess> servers, int replicas, Duration requestTimeout) {
    this.servers = List.copyOf(servers);
    this.replicas = replicas;
    this.url = String.join(",", servers.stream().map(NatsServerProcess::url).toList());
    this.jsOptions = JetStreamOptions.builder().requestTimeout(requestTimeout).build();
    this.admin = NatsSystem.connect(url, "bench-jetstream-admin");
    try {
      this.jsm = admin.jetStreamManagement(jsOptions);
    } catch (IOException e) {
      NatsSystem.closeQuietly(admin);
      throw new BenchException("JetStream management: " + e.getMessage(), e);
    }
    awaitJetStream();
  }

  /** JetStream answers its API only once it has set up its store; wait for the account info to answer. */
  private void awaitJetStream() {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      try {
        jsm.getAccountStatistics();
        return;
      } catch (IOException | JetStreamApiException | RuntimeException e) {
        last = NatsSystem.describe(e);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BenchException("interrupted");
      }
    }
    NatsSystem.closeQuietly(admin);
    throw new BenchException("JetStream at " + url + " did not answer within " + READY_TIMEOUT.toSeconds()
        + " s (last: " + last + "); log " + servers.get(0).logFile() + ":\n" + servers.get(0).logTail(10));
  }

  @Override
  public String name() {
    return "JetStream";
  }

  @Override
  public String key() {
    return "jetstream";
  }

  @Override
  public String durability() {
    return replicas == 1 ? DURABILITY : DURABILITY.replace(", R1", ", R" + replicas + " (acked once a majority has it)");
  }

  @Override
  public List<ResourceMonitor.Watched> serverProcesses() {
    List<ResourceMonitor.Watched> watched = new ArrayList<>();
    for (int i = 0; i < servers.size(); i++) {
      watched.add(new ResourceMonitor.Watched("jetstream nats-server" + (servers.size() == 1 ? "" : " " + (i + 1)),
          servers.get(i).pid(), true));
    }
    return watched;
  }

  @Override
  public String deathNotice() {
    for (NatsServerProcess server : servers) {
      if (!server.isAlive()) {
        return "the JetStream nats-server " + server.exitDescription() + "; log tail:\n" + server.logTail(10);
      }
    }
    return null;
  }

  @Override
  public void prepare(String runKey) {
    String name = "b1-" + runKey;
    String s = "js.b1." + runKey;
    StreamConfiguration config = StreamConfiguration.builder()
        .name(name)
        .subjects(s)
        .storageType(StorageType.File)
        .replicas(replicas)
        .build();
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (true) {
      try {
        jsm.addStream(config);
        break;
      } catch (IOException | JetStreamApiException e) {
        // A cluster answers "temporarily unavailable" until its meta leader is elected.
        if (System.nanoTime() > deadline) {
          throw new BenchException("JetStream addStream " + name + ": " + NatsSystem.describe(e), e);
        }
        try {
          Thread.sleep(200);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new BenchException("interrupted");
        }
      }
    }
    stream = name;
    subject = s;
    // Same as on the Hawser side: one acked publish before the clock starts.
    Publisher probe = openPublisher(-1);
    try {
      probe.sendSync(new byte[] {'p'});
    } finally {
      probe.close();
    }
  }

  @Override
  public Publisher openPublisher(int index) {
    String st = stream;
    String s = subject;
    Connection conn = NatsSystem.connect(url, "bench-jetstream-" + (index < 0 ? "probe" : index));
    JetStream js;
    try {
      js = conn.jetStream(jsOptions);
    } catch (IOException e) {
      NatsSystem.closeQuietly(conn);
      throw new BenchException("JetStream context: " + e.getMessage(), e);
    }
    return new Publisher() {
      @Override
      public void send(byte[] payload, Ack ack) {
        js.publishAsync(s, payload).whenComplete((pa, error) -> {
          if (error != null) {
            ack.failed(NatsSystem.describe(error));
            return;
          }
          String problem = check(pa, st);
          if (problem != null) {
            ack.failed(problem);
          } else {
            ack.acked(pa.getSeqno());
          }
        });
      }

      @Override
      public long sendSync(byte[] payload) {
        PublishAck pa;
        try {
          pa = js.publish(s, payload);
        } catch (IOException | JetStreamApiException | RuntimeException e) {
          throw new BenchException(NatsSystem.describe(e), e);
        }
        String problem = check(pa, st);
        if (problem != null) {
          throw new BenchException(problem);
        }
        return pa.getSeqno();
      }

      @Override
      public void close() {
        NatsSystem.closeQuietly(conn);
      }
    };
  }

  /**
   * Reads the first {@code count} messages of the last prepared stream from its start with an ordered push consumer
   * (JetStream's own way to replay a stream in order, with flow control), checking that stream sequences come
   * contiguous from 1. The clock runs from the subscribe call to the {@code count}-th message, as on the Hawser side.
   */
  RunResult replay(long count, Duration timeout) {
    Connection conn = NatsSystem.connect(url, "bench-jetstream-replay");
    OrderedRead read = new OrderedRead(count);
    try {
      JetStream js = conn.jetStream(jsOptions);
      Dispatcher dispatcher = conn.createDispatcher();
      long start = System.nanoTime();
      js.subscribe(subject, dispatcher, read::onMessage, false, PushSubscribeOptions.builder().ordered(true).build());
      boolean complete = read.done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
      long nanos = (complete ? read.lastNanos : System.nanoTime()) - start;
      String error = complete ? null : "replay timed out after " + timeout.toSeconds() + " s with " + read.received
          + " of " + count + " messages";
      return new RunResult(read.received, 0, read.violations, nanos / 1e9, LatencyRecorder.LatencySummary.NONE,
          error != null ? error : read.firstViolation, 1);
    } catch (IOException | JetStreamApiException e) {
      throw new BenchException("JetStream ordered consumer on " + subject + ": " + NatsSystem.describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    } finally {
      NatsSystem.closeQuietly(conn);
    }
  }

  /** One ordered read; its handler runs on the dispatcher's single thread only. */
  private static final class OrderedRead {
    final CountDownLatch done = new CountDownLatch(1);
    final long count;
    long expected = 1;
    volatile long received;
    long violations;
    volatile String firstViolation;
    volatile long lastNanos;

    OrderedRead(long count) {
      this.count = count;
    }

    void onMessage(Message msg) {
      if (received >= count) {
        return;
      }
      long seq = msg.metaData().streamSequence();
      if (seq != expected && violations++ == 0) {
        firstViolation = "stream sequence " + seq + " where " + expected + " was expected";
      }
      expected = seq + 1;
      received++;
      if (received == count) {
        lastNanos = System.nanoTime();
        done.countDown();
      }
    }
  }

  private static String check(PublishAck pa, String stream) {
    if (!stream.equals(pa.getStream())) {
      return "PubAck names stream " + pa.getStream() + ", expected " + stream;
    }
    if (pa.isDuplicate()) {
      return "PubAck says duplicate (seq " + pa.getSeqno() + ")";
    }
    return null;
  }

  @Override
  public void cleanup(String runKey) {
    try {
      jsm.deleteStream("b1-" + runKey);
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      System.err.println("bench: warning: could not delete JetStream stream b1-" + runKey + ": "
          + NatsSystem.describe(e));
    }
  }

  @Override
  public void close() {
    NatsSystem.closeQuietly(admin);
  }
}
