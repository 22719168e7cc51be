package io.hawser.model;

/**
 * The one error catalogue. Each code has a stable snake_case name (the API's {@code error.code}), an HTTP status
 * and whether retrying the same request later can succeed. Edges translate it; nobody invents ad-hoc errors.
 */
public enum ErrorCode {
    BAD_REQUEST(400, false),
    INVALID_NAME(400, false),
    INVALID_CONFIG(400, false),
    INVALID_JSON(400, false),
    INVALID_OFFSET(400, false),
    UNSUPPORTED_MEDIA_TYPE(415, false),
    STREAM_NOT_FOUND(404, false),
    PARTITION_NOT_FOUND(404, false),
    CURSOR_NOT_FOUND(404, false),
    OFFSET_OUT_OF_RANGE(404, false),
    NOT_FOUND(404, false),
    MIRROR_URL_NOT_ALLOWED(403, false),
    METHOD_NOT_ALLOWED(405, false),
    STREAM_EXISTS(409, false),
    OFFSET_MISMATCH(409, false),
    STREAM_READ_ONLY(409, false),
    MIRROR_READ_ONLY(409, false),
    STREAM_NOT_READ_ONLY(409, false),
    MESSAGE_TOO_LARGE(413, false),
    REQUEST_TOO_LARGE(413, false),
    TOO_MANY_REQUESTS(429, true),
    INSUFFICIENT_NODES(503, true),
    NOT_ENOUGH_REPLICAS(503, true),
    NO_LEADER(503, true),
    NOT_READY(503, true),
    STREAM_PAUSED(503, true),
    STORAGE_UNAVAILABLE(503, true),
    SOURCE_UNAVAILABLE(503, true),
    ACK_TIMEOUT(504, true),
    INTERNAL(500, true);

    private final int httpStatus;
    private final boolean retriable;

    ErrorCode(int httpStatus, boolean retriable) {
        this.httpStatus = httpStatus;
        this.retriable = retriable;
    }

    /** The API's {@code error.code}, e.g. {@code stream_not_found}. */
    public String code() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public int httpStatus() {
        return httpStatus;
    }

    public boolean retriable() {
        return retriable;
    }

    /** Stable numeric id for transports that carry an int (event-bus reply failures). */
    public int id() {
        return 1000 + ordinal();
    }

    public static ErrorCode fromId(int id) {
        int ordinal = id - 1000;
        ErrorCode[] all = values();
        return ordinal >= 0 && ordinal < all.length ? all[ordinal] : INTERNAL;
    }
}
