package io.hawser.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Passes an immutable message record by reference between verticles of one node (no copy, no serialisation).
 * Inter-node messages need a wire format; this codec refuses to encode so that a missing one fails loudly.
 */
final class LocalCodec<T> implements MessageCodec<T, T> {
    private final Class<T> type;

    private LocalCodec(Class<T> type) {
        this.type = type;
    }

    @Override
    public void encodeToWire(Buffer buffer, T t) {
        throw new IllegalStateException(type.getSimpleName() + " is a node-local message and has no wire format");
    }

    @Override
    public T decodeFromWire(int pos, Buffer buffer) {
        throw new IllegalStateException(type.getSimpleName() + " is a node-local message and has no wire format");
    }

    @Override
    public T transform(T t) {
        return t;
    }

    @Override
    public String name() {
        return "hawser-local-" + type.getName();
    }

    @Override
    public byte systemCodecID() {
        return -1;
    }

    static <T> void register(EventBus bus, Class<T> type) {
        bus.registerDefaultCodec(type, new LocalCodec<>(type));
    }
}
