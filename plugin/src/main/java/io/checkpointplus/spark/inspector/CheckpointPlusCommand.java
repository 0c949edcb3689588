package io.checkpointplus.spark.inspector;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code checkpoint-plus}: the offline inspector, the {@code Main-Class} of the plugin jar. Reads
 * checkpoint directories (RDD, Spark Streaming, Structured Streaming) on any Hadoop file system
 * without a running application: it never loads or runs application code, and writes nothing
 * unless a command is asked to ({@code clean} without {@code --dry-run}).
 *
 * <pre>java -cp "$SPARK_HOME/jars/*:spark-checkpoint-plus_2.12-VERSION.jar" \
 *     io.checkpointplus.spark.inspector.CheckpointPlusCommand list hdfs:///checkpoints</pre>
 */
public final class CheckpointPlusCommand {
  static final String USAGE = String.join("\n",
      "Usage: checkpoint-plus COMMAND [ARGS] [--json] [--quiet] [--conf key=value]...",
      "       checkpoint-plus help",
      "",
      "Commands:",
      "  list ROOT                       application directories (<uuid>), their rdd-N checkpoints,",
      "                                  streaming metadata files, attempt leftovers, owners, liveness;",
      "                                  or a Structured Streaming checkpoint location",
      "  verify PATH [--checksum]        checks rdd-N checkpoints (a root, a <uuid> or an rdd-N",
      "                                  directory) against their manifest, or structurally without",
      "                                  one; checks a Structured Streaming checkpoint location",
      "  show PATH                       decodes a Spark Streaming metadata checkpoint (a",
      "                                  checkpoint-<time> file, or the newest in a root)",
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
      "                                  file is written and deleted in ROOT, also with --dry-run).",
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
      "  summary ROOT [--audit FILE]     a few lines on a run: checkpoints written, partitions from",
      "                                  cache versus recomputed, failures, files and audit",
      "",
      "Options:",
      "  --json           print the findings as one JSON object",
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
      "     because a streaming metadata file cannot be read, or the inspector failed (one line)",
      "  4  upgrade-check cannot tell: nothing fails, but some classes could not be checked",
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
    FLAGS.put("summary", Set.of());
    FLAGS.put("help", Set.of());
    VALUED.put("upgrade-check", Set.of("jar", "jars"));
    VALUED.put("clean", Set.of("older-than", "keep-last"));
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

  /** Runs one command line, printing to {@code out} and {@code err}; returns the exit code. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
      out.print(USAGE);
      return Exit.OK;
    }
    Arguments parsed;
    try {
      parsed = Arguments.parse(args, FLAGS, VALUED);
    } catch (Arguments.UsageException e) {
      err.println("checkpoint-plus: " + e.getMessage());
      err.print(USAGE);
      return Exit.USAGE;
    }
    if (parsed.command.equals("help")) {
      out.print(USAGE);
      return Exit.OK;
    }
    Progress progress = new Progress(parsed.quiet ? null : err);
    try {
      Outcome outcome = dispatch(parsed, progress);
      if (parsed.json) {
        outcome.json().put("exitCode", outcome.exitCode());
        out.println(new ObjectMapper().writerWithDefaultPrettyPrinter()
            .writeValueAsString(outcome.json()));
      } else {
        out.print(outcome.text());
      }
      out.flush();
      return outcome.exitCode();
    } catch (Arguments.UsageException e) {
      err.println("checkpoint-plus " + parsed.command + ": " + e.getMessage());
      err.print(USAGE);
      return Exit.USAGE;
    } catch (VirtualMachineError e) {
      if (!(e instanceof StackOverflowError)) {
        throw e; // out of memory and the like: the JVM cannot be trusted to go on
      }
      return error(parsed, out, err, "object graph nested too deeply (stack overflow): " + e);
    } catch (Throwable e) {
      // Never a stack trace with exit 1 (which means "problems found"): the documented error.
      String message = e.getMessage() == null || e instanceof Error ? e.toString()
          : e.getMessage();
      return error(parsed, out, err, message);
    }
  }

  /** Reports a command that could not finish; returns {@link Exit#ERROR}. */
  private static int error(Arguments parsed, PrintStream out, PrintStream err, String message) {
    if (parsed.json) {
      ObjectMapper m = new ObjectMapper();
      out.println(m.createObjectNode().put("error", message).put("exitCode", Exit.ERROR)
          .toPrettyString());
    }
    err.println("checkpoint-plus " + parsed.command + ": " + message);
    return Exit.ERROR;
  }

  private static Outcome dispatch(Arguments args, Progress progress)
      throws Arguments.UsageException, IOException {
    switch (args.command) {
      case "list":
        return ListCommand.run(args, progress);
      case "verify":
        return VerifyCommand.run(args, progress);
      case "show":
        return ShowCommand.run(args);
      case "upgrade-check":
        return UpgradeCheckCommand.run(args);
      case "diff":
        return DiffCommand.run(args, progress);
      case "clean":
        return CleanCommand.run(args, progress);
      case "summary":
        return SummaryCommand.run(args, progress);
      default:
        throw new Arguments.UsageException("command " + args.command + " is not available");
    }
  }
}
