package io.hawser.log;

/** Storage failed: the disk, the file system or the files themselves. The message says which file and why. */
public class LogException extends RuntimeException {
    public LogException(String message) {
        super(message);
    }

    public LogException(String message, Throwable cause) {
        super(message, cause);
    }
}
