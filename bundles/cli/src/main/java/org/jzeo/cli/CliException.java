package org.jzeo.cli;

/**
 * A failure a command reports as one line on stderr ({@code runzeo: <message>}) and an exit status,
 * without a stack trace.
 */
final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Exit status for a bad command line or configuration. */
    static final int USAGE = 2;
    /** Exit status for a failure at run time (cannot bind, storage locked, cannot connect). */
    static final int FAILURE = 1;

    private final int exitCode;

    CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
