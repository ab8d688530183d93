package io.tinyfleet.cli;

import picocli.CommandLine;

/**
 * Turns an exception escaping a verb into one clear line on stderr and a non-zero exit.
 *
 * <p>{@link IllegalArgumentException} and {@link java.io.UncheckedIOException}-style failures are
 * user errors (bad input): the message alone is printed. Anything else is a bug: the message is
 * printed and the stack trace follows only with {@code TINYFLEET_DEBUG=1}.
 */
final class CliErrors implements CommandLine.IExecutionExceptionHandler {

    /** Exit code for bad input (a file that is not a model, a wrong shape, a dead broker...). */
    static final int USER_ERROR = 2;
    /** Exit code for an internal failure. */
    static final int INTERNAL_ERROR = 1;

    @Override
    public int handleExecutionException(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        String verb = cl.getCommandName();
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        cl.getErr().println("tinyfleet " + verb + ": error: " + msg);
        if ("1".equals(System.getenv("TINYFLEET_DEBUG"))) {
            e.printStackTrace(cl.getErr());
        }
        return isUserError(e) ? USER_ERROR : INTERNAL_ERROR;
    }

    private static boolean isUserError(Throwable e) {
        return e instanceof IllegalArgumentException
                || e instanceof IllegalStateException
                || e instanceof java.io.IOException
                || e instanceof java.io.UncheckedIOException;
    }
}
