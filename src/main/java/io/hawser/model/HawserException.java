package io.hawser.model;

/** A failure with a catalogued {@link ErrorCode} and a message a human can act on. */
public class HawserException extends RuntimeException {
    private final ErrorCode code;

    public HawserException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
