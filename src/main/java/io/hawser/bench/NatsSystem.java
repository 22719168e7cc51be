package io.hawser.bench;

import io.nats.client.Connection;
import io.nats.client.Consumer;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One side of the NATS comparison (Hawser through its bridge, or JetStream): how to give each run a fresh
 * stream, and how one publisher sends to it. Both sides use the same client machinery (jnats, one connection per
 * publisher, the same {@link #clientOptions}), so the numbers differ only by what the servers do.
 */
interface NatsSystem extends AutoCloseable {
  /** "Hawser" or "JetStream". */
  String name();

  /** "hawser" or "jetstream", for JSON keys. */
  String key();

  /** What an ack promises on this side, printed next to the numbers. */
  String durability();

  /** The server processes whose CPU and memory a run records (the client is added by the driver). */
  List<ResourceMonitor.Watched> serverProcesses();

  /** Null while the servers run, else what happened to them (for the report). */
  String deathNotice();

  /** Creates the run's fresh stream and makes sure a publish to its subject is acknowledged. */
  void prepare(String runKey);

  /** A publisher for the stream of the last {@link #prepare}: its own connection, opened before the clock starts. */
  Publisher openPublisher(int index);

  /** Deletes the run's stream (frees the disk); a failure is only a warning. */
  void cleanup(String runKey);

  @Override
  void close();

  /** Receives the outcome of one asynchronous publish, exactly once, on any thread. */
  interface Ack {
    void acked(long offset);

    void failed(String why);
  }

  /** One publisher's connection. Not shared between threads except for the callbacks jnats runs. */
  interface Publisher extends AutoCloseable {
    /** Sends one message; {@code ack} learns the stored offset (Hawser) or sequence (JetStream), or the error. */
    void send(byte[] payload, Ack ack);

    /** Sends one message and waits for its ack: the offset or sequence; throws {@link BenchException} otherwise. */
    long sendSync(byte[] payload);

    @Override
    void close();
  }

  /**
   * The client options both sides use: no reconnect (a dropped connection fails the run rather than hiding a
   * pause), a timeout exception rather than a bare cancellation, "no responders" reported, and jnats' defaults for
   * everything that shapes throughput (flush on request, outgoing queue, request clean-up interval).
   */
  static Options clientOptions(String url, String name, ErrorListener errors) {
    return new Options.Builder()
        .server(url)
        .connectionName(name)
        .noReconnect()
        .connectionTimeout(Duration.ofSeconds(5))
        .useTimeoutException()
        .reportNoResponders()
        .errorListener(errors)
        .build();
  }

  static Connection connect(String url, String name) {
    try {
      return Nats.connect(clientOptions(url, name, new WarnOnce(name)));
    } catch (IOException e) {
      throw new BenchException("cannot connect " + name + " to " + url + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted while connecting to " + url);
    }
  }

  static void closeQuietly(Connection c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      // closing after a failed run: nothing more to learn
    }
  }

  /** The cause worth showing: CompletionException/ExecutionException only wrap it. */
  static String describe(Throwable t) {
    Throwable cause = t;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return Await.describe(cause);
  }

  /**
   * jnats reports connection-level problems (slow consumer, socket errors) here; the first per connection goes to
   * stderr, since a run that loses replies fails by its own timeouts anyway and says so.
   */
  final class WarnOnce implements ErrorListener {
    private final String name;
    private final AtomicBoolean warned = new AtomicBoolean();

    WarnOnce(String name) {
      this.name = name;
    }

    private void warn(String what) {
      if (warned.compareAndSet(false, true)) {
        System.err.println("bench: warning: NATS connection " + name + ": " + what);
      }
    }

    @Override
    public void errorOccurred(Connection conn, String error) {
      warn(error);
    }

    @Override
    public void exceptionOccurred(Connection conn, Exception exp) {
      if (conn.getStatus() != Connection.Status.CLOSED) {
        warn(Await.describe(exp));
      }
    }

    @Override
    public void slowConsumerDetected(Connection conn, Consumer consumer) {
      warn("slow consumer: replies are being dropped");
    }
  }
}
