package io.hawser.delivery;

import io.hawser.model.HawserException;

/**
 * Where a subscription writes; implemented over a WebSocket by the HTTP edge. {@link #write} and {@link #isClosed}
 * may be called from a worker thread; the rest on the connection's event loop.
 */
public interface FrameSink {
    void write(String frame);

    /** True while the consumer has not taken what was written (back-pressure). */
    boolean full();

    /** Runs {@code resume} once the consumer has taken its backlog. */
    void whenDrained(Runnable resume);

    /** Sends the error as the last frame and closes. */
    void fail(HawserException error);

    boolean isClosed();
}
