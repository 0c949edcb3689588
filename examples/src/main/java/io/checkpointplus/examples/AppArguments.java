package io.checkpointplus.examples;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A tiny parser for {@code --name value} command lines, shared by the example applications so
 * that they need no command-line library on the Spark classpath.
 *
 * <p>All problems (an unknown argument, a missing value, a malformed or out-of-range number)
 * are reported as a {@link UsageException} naming the offending argument; {@link #exitWithUsage}
 * turns that into the conventional usage message and exit code 2.
 */
final class AppArguments {

    /** Exit code for a command line that cannot be understood. */
    static final int USAGE_EXIT_CODE = 2;

    private final Map<String, String> values;

    private AppArguments(Map<String, String> values) {
        this.values = values;
    }

    /**
     * Parses {@code args} as a sequence of {@code --name value} pairs.
     *
     * @param knownNames the accepted argument names, including the leading {@code --}
     * @throws UsageException if an argument is unknown or lacks a value
     */
    static AppArguments parse(String[] args, String... knownNames) throws UsageException {
        Set<String> known = new LinkedHashSet<>(Arrays.asList(knownNames));
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            String name = args[i];
            if (!known.contains(name)) {
                throw new UsageException("unknown argument: " + name);
            }
            if (i + 1 >= args.length) {
                throw new UsageException("missing value for argument " + name);
            }
            values.put(name, args[i + 1]);
        }
        return new AppArguments(values);
    }

    /** The argument's value, or {@code defaultValue} if it was not given. */
    String string(String name, String defaultValue) {
        return values.getOrDefault(name, defaultValue);
    }

    /**
     * The argument's value as an int of at least {@code min}, or {@code defaultValue} if it was
     * not given.
     *
     * @throws UsageException if the value is not an integer or is below {@code min}
     */
    int integer(String name, int defaultValue, int min) throws UsageException {
        long value = longValue(name, defaultValue, min);
        if (value > Integer.MAX_VALUE) {
            throw new UsageException("value of " + name + " is too large: " + value);
        }
        return (int) value;
    }

    /**
     * The argument's value as a long of at least {@code min}, or {@code defaultValue} if it was
     * not given.
     *
     * @throws UsageException if the value is not an integer or is below {@code min}
     */
    long longValue(String name, long defaultValue, long min) throws UsageException {
        String text = values.get(name);
        if (text == null) {
            return defaultValue;
        }
        long value;
        try {
            value = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("value of " + name + " is not an integer: " + text);
        }
        if (value < min) {
            throw new UsageException("value of " + name + " must be at least " + min + ": " + text);
        }
        return value;
    }

    /**
     * Prints {@code problem} and {@code usage} to standard error and exits with
     * {@link #USAGE_EXIT_CODE}.
     */
    static void exitWithUsage(String appName, UsageException problem, String usage) {
        System.err.println(appName + ": " + problem.getMessage());
        System.err.println(usage);
        System.exit(USAGE_EXIT_CODE);
    }

    /** A command line that cannot be understood; the message names the argument at fault. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
