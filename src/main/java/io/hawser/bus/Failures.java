package io.hawser.bus;

import io.hawser.model.ErrorCode;
import io.hawser.model.HawserException;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/** Carries {@link HawserException}s across the event bus as reply failures and back. */
public final class Failures {
    private Failures() {
    }

    /** Replies to {@code message} with the failure, keeping its error code. */
    public static void reply(Message<?> message, Throwable failure) {
        HawserException e = toHawser(failure);
        message.fail(e.code().id(), e.getMessage());
    }

    /** Turns any failure (reply failure, timeout, storage error) into a catalogued one. */
    public static HawserException toHawser(Throwable failure) {
        if (failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null) {
            return toHawser(failure.getCause());
        }
        if (failure instanceof HawserException e) {
            return e;
        }
        if (failure instanceof ReplyException r) {
            if (r.failureType() == ReplyFailure.TIMEOUT) {
                return new HawserException(ErrorCode.ACK_TIMEOUT, "timed out waiting for the partition leader");
            }
            if (r.failureType() == ReplyFailure.NO_HANDLERS) {
                return new HawserException(ErrorCode.NOT_READY, "node is not ready (" + r.getMessage() + ")");
            }
            return new HawserException(ErrorCode.fromId(r.failureCode()), r.getMessage());
        }
        if (failure instanceof io.hawser.log.LogException e) {
            return new HawserException(ErrorCode.STORAGE_UNAVAILABLE, e.getMessage());
        }
        return new HawserException(ErrorCode.INTERNAL, "internal error: " + failure);
    }
}
