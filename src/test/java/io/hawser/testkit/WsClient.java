package io.hawser.testkit;

import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real WebSocket client ({@link java.net.http.WebSocket}) that collects whole text frames into a queue. In auto
 * mode it always asks for more; in manual mode it receives only what the test grants with {@link #request(long)}
 * (the JDK client then stops reading the socket, so the server feels TCP back-pressure).
 */
public final class WsClient implements AutoCloseable {
    /** How the socket closed. */
    public record Close(int status, String reason) {
    }

    private final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<Close> closed = new CompletableFuture<>();
    private final AtomicLong received = new AtomicLong();
    private final boolean auto;
    private final long initialDemand;
    private volatile WebSocket socket;
    private volatile Throwable error;

    private WsClient(boolean auto, long initialDemand) {
        this.auto = auto;
        this.initialDemand = initialDemand;
    }

    /** Connects and receives everything (auto demand). */
    public static WsClient connect(URI uri) {
        return connect(uri, true, 0);
    }

    /** Connects with manual demand: only {@code initialDemand} frames until {@link #request(long)} grants more. */
    public static WsClient connectManual(URI uri, long initialDemand) {
        return connect(uri, false, initialDemand);
    }

    private static WsClient connect(URI uri, boolean auto, long initialDemand) {
        WsClient c = new WsClient(auto, initialDemand);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try {
            c.socket = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(uri, c.new Listener()).get(15, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof WebSocketHandshakeException h) {
                Object body = h.getResponse().body();
                throw new AssertionError("WebSocket upgrade of " + uri + " refused with HTTP "
                        + h.getResponse().statusCode() + (body == null ? "" : " " + body)
                        + " (the contract says: upgrade, then one error frame, then close)", h);
            }
            throw new AssertionError("WebSocket connect to " + uri + " failed: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (TimeoutException e) {
            throw new AssertionError("WebSocket connect to " + uri + " timed out", e);
        }
        return c;
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public void onOpen(WebSocket webSocket) {
            if (auto) {
                webSocket.request(1);
            } else if (initialDemand > 0) {
                webSocket.request(initialDemand);
            }
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                frames.add(partial.toString());
                partial.setLength(0);
                received.incrementAndGet();
                if (auto) {
                    webSocket.request(1);
                }
            } else {
                webSocket.request(1); // a fragment does not count as a whole frame of demand
            }
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            error = new AssertionError("unexpected binary frame of " + data.remaining() + " bytes");
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(new Close(statusCode, reason));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable e) {
            error = e;
            closed.complete(new Close(-1, "error: " + e));
        }
    }

    /** Grants {@code n} more frames (manual mode). */
    public void request(long n) {
        socket.request(n);
    }

    /** The next frame as JSON, or null when none arrives within {@code timeout}. */
    public JsonObject poll(Duration timeout) {
        try {
            String frame = frames.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return frame == null ? null : parse(frame);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** The next frame; fails when none arrives within {@code timeout}. */
    public JsonObject next(Duration timeout) {
        JsonObject frame = poll(timeout);
        if (frame == null) {
            throw new AssertionError("no frame within " + timeout.toMillis() + " ms (received " + received.get()
                    + " so far" + (closed.isDone() ? ", socket closed: " + closed.join() : "")
                    + (error != null ? ", error: " + error : "") + ")");
        }
        return frame;
    }

    /** The next {@code n} frames, all within {@code timeout}. */
    public List<JsonObject> next(int n, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<JsonObject> out = new ArrayList<>(n);
        while (out.size() < n) {
            long left = deadline - System.nanoTime();
            JsonObject frame = poll(Duration.ofNanos(Math.max(0, left)));
            if (frame == null) {
                throw new AssertionError("only " + out.size() + " of " + n + " frames within " + timeout.toMillis()
                        + " ms" + (closed.isDone() ? ", socket closed: " + closed.join() : "")
                        + (out.isEmpty() ? "" : "; last: " + out.get(out.size() - 1)));
            }
            out.add(frame);
        }
        return out;
    }

    /** Waits for the close (from the server); fails after {@code timeout}. */
    public Close awaitClose(Duration timeout) {
        try {
            return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("socket not closed within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause());
        }
    }

    public boolean isClosed() {
        return closed.isDone();
    }

    public int queued() {
        return frames.size();
    }

    public long received() {
        return received.get();
    }

    public Throwable error() {
        return error;
    }

    private static JsonObject parse(String frame) {
        try {
            return new JsonObject(frame);
        } catch (RuntimeException e) {
            throw new AssertionError("frame is not a JSON object: " + frame, e);
        }
    }

    @Override
    public void close() {
        WebSocket s = socket;
        if (s != null && !s.isOutputClosed()) {
            try {
                s.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // closing anyway
            }
        }
        if (s != null) {
            s.abort();
        }
    }
}
