package io.checkpointplus.spark.inspector;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;

/**
 * The parsed command line: the subcommand, its positional arguments, its options, and the
 * {@code --conf key=value} settings (Hadoop file system settings, with or without the
 * {@code spark.hadoop.} prefix, and Spark settings such as {@code spark.serializer}).
 */
final class Arguments {
  /** A command line that does not follow the usage: exit code {@link Exit#USAGE}. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  final String command;
  final List<String> positional = new ArrayList<>();
  final Map<String, String> options = new LinkedHashMap<>();
  final Map<String, String> conf = new LinkedHashMap<>();
  final boolean json;
  final boolean quiet;

  private Arguments(String command, boolean json, boolean quiet) {
    this.command = command;
    this.json = json;
    this.quiet = quiet;
  }

  /**
   * Parses {@code args}: {@code COMMAND [ARG...] [--flag] [--option VALUE] [--conf k=v]...}.
   * Options may come anywhere after the command.
   *
   * @param flags options without a value, per command
   * @param valued options with a value, per command
   */
  static Arguments parse(String[] args, Map<String, Set<String>> flags,
      Map<String, Set<String>> valued) throws UsageException {
    if (args.length == 0) {
      throw new UsageException("no command given");
    }
    String command = args[0];
    if (!flags.containsKey(command)) {
      throw new UsageException("unknown command '" + command + "'; commands are "
          + String.join(", ", flags.keySet()));
    }
    boolean json = false;
    boolean quiet = false;
    List<String> rest = new ArrayList<>();
    Map<String, String> options = new LinkedHashMap<>();
    Map<String, String> conf = new LinkedHashMap<>();
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--json")) {
        json = true;
      } else if (a.equals("--quiet")) {
        quiet = true;
      } else if (a.equals("--conf")) {
        if (i + 1 >= args.length) {
          throw new UsageException("--conf needs key=value");
        }
        String kv = args[++i];
        int eq = kv.indexOf('=');
        if (eq <= 0) {
          throw new UsageException("--conf '" + kv + "': expected key=value");
        }
        conf.put(kv.substring(0, eq), kv.substring(eq + 1));
      } else if (a.startsWith("--")) {
        String name = a.substring(2);
        int eq = name.indexOf('=');
        String inline = null;
        if (eq > 0) {
          inline = name.substring(eq + 1);
          name = name.substring(0, eq);
        }
        if (flags.get(command).contains(name) && inline == null) {
          options.put(name, "true");
        } else if (valued.getOrDefault(command, Set.of()).contains(name)) {
          if (inline == null) {
            if (i + 1 >= args.length) {
              throw new UsageException("--" + name + " needs a value");
            }
            inline = args[++i];
          }
          options.put(name, inline);
        } else {
          throw new UsageException("unknown option --" + name + " for " + command);
        }
      } else {
        rest.add(a);
      }
    }
    Arguments parsed = new Arguments(command, json, quiet);
    parsed.positional.addAll(rest);
    parsed.options.putAll(options);
    parsed.conf.putAll(conf);
    return parsed;
  }

  /** The one positional argument a command takes, or a usage error naming it. */
  String single(String what) throws UsageException {
    if (positional.size() != 1) {
      throw new UsageException(command + " takes one " + what + ", got " + positional.size()
          + (positional.isEmpty() ? "" : ": " + positional));
    }
    return positional.get(0);
  }

  boolean flag(String name) {
    return options.containsKey(name);
  }

  /** Hadoop's configuration with the {@code --conf} settings: {@code spark.hadoop.} stripped. */
  Configuration hadoopConf() {
    Configuration c = new Configuration();
    conf.forEach((k, v) -> {
      if (k.startsWith("spark.hadoop.")) {
        c.set(k.substring("spark.hadoop.".length()), v);
      } else if (!k.startsWith("spark.")) {
        c.set(k, v);
      }
    });
    return c;
  }

  /** A Spark configuration of the {@code --conf} settings only (no system properties). */
  SparkConf sparkConf() {
    SparkConf c = new SparkConf(false);
    conf.forEach(c::set);
    return c;
  }
}
