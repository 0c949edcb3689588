package io.checkpointplus.spark.inspector;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code checkpoint-plus}: the offline inspector, the {@code Main-Class} of the plugin jar. Reads
 * checkpoint directories (RDD, Spark Streaming, Structured Streaming) on any Hadoop file system
 * without a running application: it never loads or runs application code, and writes nothing
 * unless a command is asked to ({@code clean} without {@code --dry-run}; {@code clean} also
 * writes and deletes an empty probe file in the root to read the storage's clock).
 *
 * <pre>java -cp "$SPARK_HOME/jars/*:spark-checkpoint-plus_2.12-VERSION.jar" \
 *     io.checkpointplus.spark.inspector.CheckpointPlusCommand list hdfs:///checkpoints</pre>
 */
public final class CheckpointPlusCommand {
  static final String USAGE = String.join("\n",
      "Usage: checkpoint-plus COMMAND [ARGS] [--json] [--quiet] [--conf key=value]...",
      "       checkpoint-plus help [COMMAND]     (or COMMAND --help, -h)",
      "",
      "Commands:",
      "  list ROOT                       application directories (<uuid>), their rdd-N checkpoints,",
      "                                  streaming metadata files, attempt leftovers, owners, liveness;",
      "                                  or a Structured Streaming checkpoint location",
      "  verify PATH [--checksum]        checks rdd-N checkpoints (a root, a <uuid> or an rdd-N",
      "                                  directory) against their manifest, or structurally without",
      "                                  one; checks a Structured Streaming checkpoint location",
      "  show PATH                       decodes a Spark Streaming metadata checkpoint (a",
      "                                  checkpoint-<time> file, or the newest in a root); explains",
      "                                  a Structured Streaming checkpoint location: batches and",
      "                                  source offsets, pinned settings, state operators with",
      "                                  their schema, size by kind of file",
      "  upgrade-check PATH --jar JAR [--jars J1,J2]",
      "                                  whether the application in JAR can restart from the",
      "                                  metadata checkpoint: every class of the checkpoint, missing",
      "                                  or incompatible (serialVersionUID, fields)",
      "  diff A B                        two checkpoints of one RDD: partitions, records, sizes,",
      "                                  whether the records are equal",
      "  clean ROOT [--older-than D] [--keep-last N] [--include-unowned] [--dry-run]",
      "                                  ROOT: a checkpoint root (not a <uuid> or rdd-N directory).",
      "                                  Removes <uuid> directories of earlier runs whose owner",
      "                                  (an application with the plugin) stopped: nothing in it,",
      "                                  its heartbeat file included, changed for D plus 5min for",
      "                                  clock differences, on the storage's clock (an empty probe",
      "                                  file is written and deleted in ROOT, also with --dry-run;",
      "                                  read-only, a dry run judges against the newest file time).",
      "                                  Never one a metadata checkpoint references, a Structured",
      "                                  Streaming query location, or one holding anything but",
      "                                  rdd-N directories and the plugin's files; per application",
      "                                  the newest N are kept. D like 1h, 7d (defaults:",
      "                                  --older-than 1h --keep-last 1). A failed delete is",
      "                                  reported FAILED and the others go on (exit 1)",
      "    --include-unowned             also <uuid> directories without owner marker (stock Spark,",
      "                                  applications without the plugin), by the same age rule.",
      "                                  Never by default: a running application may read such a",
      "                                  checkpoint for hours without changing a file, and fails",
      "                                  once it is gone; use it only when none runs",
      "  repair LOCATION [--to-batch N] [--idle D] [--apply]",
      "                                  rolls a Structured Streaming query location back to batch",
      "                                  N (default: the last batch whose offsets, commit and state",
      "                                  are intact), so a restart runs N+1 again from its input.",
      "                                  Files of later batches (offsets, commits, source log",
      "                                  entries, state versions) are moved, never deleted, into",
      "                                  LOCATION/_repair-<UTC time>/ with a repair.json saying",
      "                                  what and why. Refused when the result would not verify,",
      "                                  or when a file was written within D (default 10min): a",
      "                                  query may be running. A dry run unless --apply; the dry",
      "                                  run lists exactly the moves --apply makes",
      "  copy SOURCE TARGET [--idle D] [--rewrite-paths FROM=TO]",
      "                                  a verified copy of a Structured Streaming query location",
      "                                  to another path or file system: every file read back and",
      "                                  compared (size, CRC32C), the copy verified as a location,",
      "                                  absolute paths inside it (file source logs, Spark 4's",
      "                                  operator metadata) reported, and with --rewrite-paths",
      "                                  those starting with FROM rewritten to start with TO.",
      "                                  Refused onto anything but a new or empty TARGET, or from a",
      "                                  location written within D (default 10min)",
      "  summary ROOT [--audit FILE]     a few lines on a run: checkpoints written, partitions from",
      "                                  cache versus recomputed, failures, files and audit",
      "",
      "Options:",
      "  --json           print the findings as one JSON object (with schemaVersion and",
      "                   exitCode; an error as {\"error\": {\"kind\", \"message\"}})",
      "  --help, -h       this command's usage",
      "  --quiet          no progress lines on standard error",
      "  --conf key=value Hadoop settings (fs.s3a.endpoint=..., or spark.hadoop.*) and Spark",
      "                   settings (spark.serializer, spark.io.compression.codec)",
      "",
      "Exit codes:",
      "  0  all intact / compatible / equal; the command did what was asked",
      "  1  problems found: damage, a restart that would fail, checkpoints that differ,",
      "     a directory that could not be removed",
      "  2  usage error",
      "  3  a path could not be read (missing, permission, unreachable), or clean refused",
      "     because a streaming metadata file cannot be read, or the inspector failed (one line;",
      "     out of memory: raise the heap, e.g. JAVA_OPTS=-Xmx4g bin/checkpoint-plus ...)",
      "  4  cannot tell: nothing fails, but some classes could not be checked (upgrade-check)",
      "     or records are of classes not on the class path (verify: add --jars)",
      "");

  private static final Map<String, Set<String>> FLAGS = new LinkedHashMap<>();
  private static final Map<String, Set<String>> VALUED = new LinkedHashMap<>();

  static {
    FLAGS.put("list", Set.of());
    FLAGS.put("verify", Set.of("checksum"));
    FLAGS.put("show", Set.of());
    FLAGS.put("upgrade-check", Set.of());
    FLAGS.put("diff", Set.of());
    FLAGS.put("clean", Set.of("dry-run", "include-unowned"));
    FLAGS.put("repair", Set.of("apply"));
    FLAGS.put("copy", Set.of());
    FLAGS.put("summary", Set.of());
    FLAGS.put("help", Set.of());
    VALUED.put("upgrade-check", Set.of("jar", "jars"));
    VALUED.put("clean", Set.of("older-than", "keep-last"));
    VALUED.put("repair", Set.of("to-batch", "idle"));
    VALUED.put("copy", Set.of("idle", "rewrite-paths"));
    VALUED.put("summary", Set.of("audit"));
  }

  private CheckpointPlusCommand() {
  }

  public static void main(String[] args) {
    // Standard output carries only the findings (and the JSON): whatever a library logs to
    // the console (Hadoop, a log4j2 configuration on Spark's class path) goes to standard error.
    PrintStream out = System.out;
    System.setOut(System.err);
    System.exit(run(args, out, System.err));
  }

  /** The version of every JSON object printed, as its top-level {@code schemaVersion}. */
  static final int JSON_SCHEMA_VERSION = 1;

  /**
   * The usage of one command: its entry of {@link #USAGE} (the command's line and the indented
   * lines under it) and the options every command takes.
   */
  static String usage(String command) {
    StringBuilder entry = new StringBuilder();
    boolean in = false;
    for (String line : USAGE.split("\n")) {
      boolean starts = line.matches("  [a-z].*");
      if (starts) {
        in = line.startsWith("  " + command + " ") || line.equals("  " + command);
      } else if (line.isEmpty()) {
        in = false;
      }
      if (in) {
        entry.append(entry.length() == 0 ? "Usage: checkpoint-plus " + line.substring(2)
            : line).append('\n');
      }
    }
    String options = USAGE.substring(USAGE.indexOf("Options:"), USAGE.indexOf("Exit codes:"));
    return entry + "\n" + options + "Exit codes: see checkpoint-plus help\n";
  }

  /** Runs one command line, printing to {@code out} and {@code err}; returns the exit code. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    List<String> all = List.of(args);
    boolean json = all.contains("--json");
    boolean help = all.contains("--help") || all.contains("-h");
    if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
      out.print(USAGE);
      return Exit.OK;
    }
    if (args.length > 0 && FLAGS.containsKey(args[0]) && !args[0].equals("help") && help) {
      out.print(usage(args[0]));
      return Exit.OK;
    }
    if (args.length == 2 && args[0].equals("help") && FLAGS.containsKey(args[1])) {
      out.print(args[1].equals("help") ? USAGE : usage(args[1]));
      return Exit.OK;
    }
    String command = args.length > 0 ? args[0] : "";
    Arguments parsed;
    try {
      parsed = Arguments.parse(args, FLAGS, VALUED);
    } catch (Arguments.UsageException e) {
      return usageError(command, json, e.getMessage(), out, err);
    }
    if (parsed.command.equals("help")) {
      out.print(USAGE);
      return Exit.OK;
    }
    Progress progress = new Progress(parsed.quiet ? null : err);
    try {
      Outcome outcome = dispatch(parsed, progress);
      if (parsed.json) {
        ObjectNode versioned = JSON.createObjectNode().put("schemaVersion", JSON_SCHEMA_VERSION);
        versioned.setAll(outcome.json());
        versioned.put("exitCode", outcome.exitCode());
        out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(versioned));
      } else {
        out.print(outcome.text());
      }
      out.flush();
      return outcome.exitCode();
    } catch (Arguments.UsageException e) {
      return usageError(command, json, e.getMessage(), out, err);
    } catch (OutOfMemoryError e) {
      // Not exit 1 (damage found), no stack trace: what ran out and how to give more.
      long maxMiB = Runtime.getRuntime().maxMemory() >> 20;
      return error(command, json, "out-of-memory", "out of memory (" + e.getMessage()
          + ", heap at most " + maxMiB + " MiB): raise the heap, e.g. JAVA_OPTS=-Xmx"
          + Math.max(2, 2 * (maxMiB + 1023) / 1024) + "g bin/checkpoint-plus ...", out, err);
    } catch (StackOverflowError e) {
      return error(command, json, "stack-overflow", "object graph nested too deeply (stack"
          + " overflow): raise the thread stack, e.g. JAVA_OPTS=-Xss16m", out, err);
    } catch (java.io.IOException e) {
      return error(command, json, "io", e.getMessage() == null ? e.toString() : e.getMessage(),
          out, err);
    } catch (Throwable e) {
      // Never a stack trace with exit 1 (which means "problems found"): the documented error.
      String message = e.getMessage() == null || e instanceof Error ? e.toString()
          : e.getMessage();
      return error(command, json, "internal", message, out, err);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private static int usageError(String command, boolean json, String message, PrintStream out,
      PrintStream err) {
    err.println("checkpoint-plus" + (command.isEmpty() ? "" : " " + command) + ": " + message);
    err.print(FLAGS.containsKey(command) && !command.equals("help") ? usage(command) : USAGE);
    if (json) {
      printError(out, "usage", message, Exit.USAGE);
    }
    return Exit.USAGE;
  }

  /** Reports a command that could not finish; returns {@link Exit#ERROR}. */
  private static int error(String command, boolean json, String kind, String message,
      PrintStream out, PrintStream err) {
    if (message != null && (message.contains("ClassNotFoundException")
        || message.contains("No FileSystem for scheme"))) {
      // s3a:, gs:, abfs: and the like live in jars a Spark distribution may not ship
      message += " (a file system's jars missing? add them: bin/checkpoint-plus --jars"
          + " hadoop-aws.jar,aws-sdk-bundle.jar COMMAND ...)";
    }
    if (json) {
      printError(out, kind, message, Exit.ERROR);
    }
    err.println("checkpoint-plus " + command + ": " + message);
    return Exit.ERROR;
  }

  private static void printError(PrintStream out, String kind, String message, int exitCode) {
    ObjectNode node = JSON.createObjectNode().put("schemaVersion", JSON_SCHEMA_VERSION);
    node.putObject("error").put("kind", kind).put("message", message);
    node.put("exitCode", exitCode);
    out.println(node.toPrettyString());
    out.flush();
  }

  private static Outcome dispatch(Arguments args, Progress progress)
      throws Arguments.UsageException, IOException {
    switch (args.command) {
      case "list":
        return ListCommand.run(args, progress);
      case "verify":
        return VerifyCommand.run(args, progress);
      case "show":
        return ShowCommand.run(args, progress);
      case "upgrade-check":
        return UpgradeCheckCommand.run(args);
      case "diff":
        return DiffCommand.run(args, progress);
      case "repair":
        return RepairCommand.run(args, progress);
      case "copy":
        return CopyCommand.run(args, progress);
      case "clean":
        return CleanCommand.run(args, progress);
      case "summary":
        return SummaryCommand.run(args, progress);
      default:
        throw new Arguments.UsageException("command " + args.command + " is not available");
    }
  }
}
