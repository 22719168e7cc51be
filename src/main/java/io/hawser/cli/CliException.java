package io.hawser.cli;

/** A command failed for a reason the user can act on; printed without a stack trace, exit 1. */
final class CliException extends RuntimeException {
    CliException(String message) {
        super(message);
    }
}
