package io.hawser.nats;

import io.nats.client.Connection;
import io.nats.client.JetStreamStatusException;
import io.nats.client.Message;
import io.nats.client.Options;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * jnats helpers for the bridge tests: a client connection that reports "no responders" as such, requests classified
 * into {@link Outcome}s, and waiting until a stream's capture is active.
 */
final class Nats {
    /** How long a stream's capture may take to start after the create answered (the contract says ~1-2 s). */
    static final Duration CAPTURE_START = Duration.ofSeconds(10);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private Nats() {
    }

    /** A client that reconnects quickly and forever, and fails a request that has no responders explicitly. */
    static Connection connect(String url) {
        Options options = new Options.Builder()
                .server(url)
                .connectionName("hawser-test-client")
                .connectionTimeout(Duration.ofSeconds(2))
                .reconnectWait(Duration.ofMillis(100))
                .maxReconnects(-1)
                .reportNoResponders()
                .errorListener(new io.nats.client.ErrorListener() {
                })
                .build();
        try {
            return io.nats.client.Nats.connect(options);
        } catch (IOException e) {
            throw new AssertionError("cannot connect a NATS client to " + url + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    static Headers headers(String... nameValues) {
        Headers h = new Headers();
        for (int i = 0; i < nameValues.length; i += 2) {
            h.add(nameValues[i], nameValues[i + 1]);
        }
        return h;
    }

    static Message message(String subject, Headers headers, byte[] data) {
        NatsMessage.Builder b = NatsMessage.builder().subject(subject).data(data);
        if (headers != null && !headers.isEmpty()) {
            b.headers(headers);
        }
        return b.build();
    }

    static Message message(String subject, Headers headers, String text) {
        return message(subject, headers, text.getBytes(StandardCharsets.UTF_8));
    }

    static void flush(Connection nc) {
        try {
            nc.flush(Duration.ofSeconds(10));
        } catch (TimeoutException e) {
            throw new AssertionError("NATS flush timed out", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    // ------------------------------------------------------------------ outcomes

    /** What one request came back with. */
    sealed interface Outcome permits Ack, Error, NoResponders, TimedOut, Failed {
        default boolean isAck() {
            return this instanceof Ack;
        }

        /** The ack, or a test failure naming {@code what} and this outcome. */
        default JsonObject ack(String what) {
            if (this instanceof Ack a) {
                return a.body();
            }
            throw new AssertionError(what + ": expected a success reply, got " + this);
        }

        /** The error object, or a test failure. */
        default JsonObject error(String what) {
            if (this instanceof Error e) {
                return e.body().getJsonObject("error");
            }
            throw new AssertionError(what + ": expected an error reply, got " + this);
        }
    }

    /** A reply without an "error" member: {"stream":..,"partition":..,"offset":..}. */
    record Ack(JsonObject body) implements Outcome {
    }

    /** A reply {"error":{"code":..,"message":..}}. */
    record Error(JsonObject body) implements Outcome {
        String code() {
            return body.getJsonObject("error").getString("code");
        }
    }

    record NoResponders() implements Outcome {
    }

    record TimedOut() implements Outcome {
    }

    /** Anything else: a reply that is not JSON, a status message, a client failure. */
    record Failed(String what) implements Outcome {
    }

    /** Sends a request and waits for its reply at most {@code timeout}; never throws for a missing reply. */
    static Outcome request(Connection nc, Message message, Duration timeout) {
        CompletableFuture<Message> future;
        try {
            future = nc.request(message);
        } catch (RuntimeException e) {
            return new Failed("request not sent: " + e);
        }
        return await(future, timeout);
    }

    static Outcome await(CompletableFuture<Message> future, Duration timeout) {
        try {
            return classify(future.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            future.cancel(true);
            return new TimedOut();
        } catch (CancellationException e) {
            return new Failed("request cancelled (connection lost or timed out in the client): " + e.getMessage());
        } catch (ExecutionException e) {
            return classify(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    static Outcome classify(Throwable failure) {
        if (failure instanceof JetStreamStatusException s && s.getStatus() != null && s.getStatus().getCode() == 503) {
            return new NoResponders();
        }
        if (failure instanceof CancellationException) {
            return new Failed("request cancelled: " + failure.getMessage());
        }
        if (failure instanceof TimeoutException) {
            return new TimedOut();
        }
        return new Failed("request failed: " + failure);
    }

    static Outcome classify(Message reply) {
        if (reply == null) {
            return new TimedOut();
        }
        if (reply.isStatusMessage()) {
            if (reply.getStatus().getCode() == 503) {
                return new NoResponders();
            }
            return new Failed("status reply " + reply.getStatus());
        }
        String text = new String(reply.getData(), StandardCharsets.UTF_8);
        JsonObject body;
        try {
            body = new JsonObject(text);
        } catch (RuntimeException e) {
            return new Failed("reply is not a JSON object: '" + text + "'");
        }
        if (body.containsKey("error")) {
            return new Error(body);
        }
        return new Ack(body);
    }

    // ------------------------------------------------------------------ capture

    /**
     * Waits until the stream captures {@code subject}: sends one probe request (with a fixed {@code Nats-Msg-Id}, so
     * that retries cannot store it twice) until a success reply arrives. Returns that ack: the probe is stored in the
     * stream, at the acknowledged partition and offset. Retries only on "no responders" or a timeout.
     */
    static JsonObject awaitCapture(Connection nc, String subject, String stream) {
        return awaitCapture(nc, subject, stream, headers());
    }

    static JsonObject awaitCapture(Connection nc, String subject, String stream, Headers extra) {
        String id = "probe-" + stream + "-" + UUID.randomUUID();
        Headers h = new Headers(extra);
        h.put("Nats-Msg-Id", id);
        Message probe = message(subject, h, "probe " + id);
        long started = System.nanoTime();
        long deadline = started + CAPTURE_START.toNanos();
        Outcome last;
        while (true) {
            last = request(nc, probe, Duration.ofSeconds(2));
            if (last instanceof Ack || last instanceof Error) {
                break;
            }
            if (System.nanoTime() - deadline > 0) {
                fail("stream '" + stream + "' does not capture subject '" + subject + "' within "
                        + CAPTURE_START.toMillis() + " ms after it was created; last request outcome: " + last);
            }
            sleep(100);
        }
        JsonObject ack = last.ack("probe request on " + subject);
        if (!stream.equals(ack.getString("stream"))) {
            fail("probe on " + subject + " was acknowledged by stream " + ack.getString("stream") + ", expected "
                    + stream + ": " + ack.encode());
        }
        long ms = (System.nanoTime() - started) / 1_000_000;
        if (ms > 3000) {
            System.out.println("[nats-test] capture of '" + subject + "' by '" + stream + "' took " + ms + " ms");
        }
        return ack;
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Sends a request, retrying only on "no responders" (e.g. while the bridge re-subscribes after a change). */
    static Outcome requestRetryingNoResponders(Connection nc, Message message, Duration timeout) {
        long deadline = System.nanoTime() + CAPTURE_START.toNanos();
        while (true) {
            Outcome o = request(nc, message, timeout);
            if (!(o instanceof NoResponders) || System.nanoTime() - deadline > 0) {
                return o;
            }
            sleep(100);
        }
    }

    // ------------------------------------------------------------------ ops endpoints

    /**
     * The {@code nats} check of {@code GET /health/ready} (whatever its status): {@code "nats":true|false} or
     * {@code "nats":{"connected":true|false,...}} under {@code checks}; null when there is none.
     */
    static Boolean healthNatsConnected(io.hawser.testkit.HttpApi api) {
        io.hawser.testkit.HttpApi.Response r = api.get("/health/ready");
        JsonObject body = r.json();
        JsonObject checks = body.getJsonObject("checks");
        Object nats = checks == null ? null : checks.getValue("nats");
        if (nats == null) {
            nats = body.getValue("nats");
        }
        if (nats instanceof Boolean b) {
            return b;
        }
        if (nats instanceof JsonObject o) {
            return o.getBoolean("connected");
        }
        return null;
    }

    /** Partition {@code partition}'s position in the stream's republish cursor, -1 while it has none. */
    static long republishCursor(io.hawser.testkit.HttpApi api, String stream, int partition) {
        io.hawser.testkit.HttpApi.Response r = api.get("/v1/streams/" + stream + "/cursors/" + Republisher.CURSOR);
        return r.status() == 200 ? r.json().getJsonObject("partitions").getLong(Integer.toString(partition), -1L)
                : -1;
    }

    /**
     * Reads republished offsets as a subscriber that keeps only the highest offset seen would: checks that what it
     * keeps starts at {@code first} and goes on one by one, and returns how many it dropped as repeats.
     */
    static int repeatsKeepingTheHighest(java.util.List<Long> offsets, long first) {
        long highest = first - 1;
        int repeats = 0;
        for (long offset : offsets) {
            if (offset <= highest) {
                repeats++;
                continue;
            }
            assertEquals(highest + 1, offset, "keeping the highest offset seen, offsets follow on: " + offsets);
            highest = offset;
        }
        return repeats;
    }

    /** The sum of every sample of a Prometheus metric in {@code GET /metrics}, or null when it has none. */
    static Double metric(io.hawser.testkit.HttpApi api, String name) {
        String body = api.get("/metrics").expect(200).body();
        Double sum = null;
        for (String line : body.split("\n")) {
            if (line.startsWith("#")) {
                continue;
            }
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                // "name value [timestamp]" or "name{labels} value [timestamp]"
                String rest = line.indexOf('}') > 0 ? line.substring(line.lastIndexOf('}') + 1)
                        : line.substring(name.length());
                String value = rest.trim().split(" ")[0];
                sum = (sum == null ? 0 : sum) + Double.parseDouble(value);
            }
        }
        return sum;
    }
}
