package io.checkpointplus.examples;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.spark.HashPartitioner;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;

import scala.Tuple2;

/**
 * A PageRank-style iterative RDD job over a generated graph that checkpoints its ranks every
 * {@code --every} iterations to cut the ever-growing lineage.
 *
 * <p>It deliberately calls {@code checkpoint()} without persisting the RDD first, as many real
 * jobs do. Stock Spark then computes the checkpointed RDD twice: once for the action that
 * triggers the checkpoint ({@code count()}) and once more to write the checkpoint files. Nothing
 * is cached anywhere.
 *
 * <p>Checkpoint directory: with {@code --checkpoint DIR} the job calls
 * {@code setCheckpointDir(DIR)}; without it, the job sets none and relies on the environment
 * (for instance a directory configured by the deployment). If no checkpoint directory is set at
 * all, {@code RDD.checkpoint()} fails with Spark's own error, which is acceptable for an example.
 *
 * <p>The graph and the computation are deterministic; ranks are written rounded to six decimals,
 * so the order of floating-point summation cannot change the output and any two runs write the
 * same {@code ranks.txt}.
 *
 * <pre>
 * IterativeRank [--checkpoint DIR] [--output DIR] [--nodes N] [--iterations N] [--every K]
 *               [--partitions P]
 * </pre>
 */
public final class IterativeRank {

    static final String APP_NAME = "IterativeRank";

    /** The probability of following a link rather than jumping to a random node. */
    static final double DAMPING = 0.85;

    static final String USAGE = String.join(System.lineSeparator(),
            "Usage: " + APP_NAME + " [--name value ...]",
            "  --checkpoint DIR    checkpoint directory (default: none set by the job)",
            "  --output DIR        output directory (default target/iterative-rank/output)",
            "  --nodes N           number of nodes of the generated graph (default 2000)",
            "  --iterations N      number of iterations (default 30)",
            "  --every K           checkpoint the ranks every K iterations (default 5)",
            "  --partitions P      number of partitions (default 4)");

    private IterativeRank() {
    }

    public static void main(String[] args) {
        Settings settings = Settings.parseOrExit(args);
        Path output = Paths.get(settings.output).toAbsolutePath().normalize();

        SparkConf conf = new SparkConf().setAppName(APP_NAME).setIfMissing("spark.master", "local[2]");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            if (settings.checkpoint != null) {
                sc.setCheckpointDir(settings.checkpoint);
            }
            List<Tuple2<Integer, Double>> ranks = rank(sc, settings);

            List<String> lines = new ArrayList<>(ranks.size());
            double sum = 0;
            for (Tuple2<Integer, Double> rank : ranks) {
                lines.add(String.format(Locale.ROOT, "%d\t%.6f", rank._1(), rank._2()));
                sum += rank._2();
            }
            Path ranksFile = output.resolve("ranks.txt");
            AtomicFiles.writeLines(ranksFile, lines);
            System.out.println(String.format(Locale.ROOT,
                    "%s: %d iterations over %d nodes, sum of ranks %.6f, output in %s",
                    APP_NAME, settings.iterations, settings.nodes, sum, ranksFile));
        }
    }

    /** Runs the iterations and returns the final ranks sorted by node id. */
    static List<Tuple2<Integer, Double>> rank(JavaSparkContext sc, Settings settings) {
        int nodes = settings.nodes;
        HashPartitioner partitioner = new HashPartitioner(settings.partitions);

        // Not cached on purpose: recomputed from the generator (and the shuffle files of
        // partitionBy) whenever needed.
        JavaPairRDD<Integer, List<Integer>> links = sc
                .parallelize(IntStream.range(0, nodes).boxed().collect(Collectors.toList()),
                        settings.partitions)
                .mapToPair(node -> new Tuple2<>(node, linksOf(node, nodes)))
                .partitionBy(partitioner);
        JavaPairRDD<Integer, Double> ranks = links.mapValues(targets -> 1.0);

        for (int iteration = 1; iteration <= settings.iterations; iteration++) {
            JavaPairRDD<Integer, Double> contributions = links.join(ranks)
                    .flatMapToPair(entry -> contributionsOf(entry._1(), entry._2()._1(),
                            entry._2()._2()).iterator());
            ranks = contributions
                    .reduceByKey(Double::sum, settings.partitions)
                    .mapValues(sum -> (1 - DAMPING) + DAMPING * sum);
            if (iteration % settings.every == 0) {
                ranks.checkpoint(); // no persist() first: the point of this example
                ranks.count();
            }
        }

        List<Tuple2<Integer, Double>> result = new ArrayList<>(ranks.collect());
        result.sort(Comparator.comparing(Tuple2::_1));
        return result;
    }

    /**
     * The distinct nodes that {@code node} links to, derived from its id alone; never itself.
     * With two or more nodes every node has at least one link.
     */
    static List<Integer> linksOf(int node, int nodes) {
        Set<Integer> targets = new LinkedHashSet<>();
        targets.add((int) ((node * 7L + 1) % nodes));
        targets.add((int) ((node * 13L + 5) % nodes));
        targets.add(node / 2);
        targets.remove(node);
        return new ArrayList<>(targets);
    }

    /**
     * What {@code node} passes on: an equal share of its rank to each target, plus a zero to
     * itself so that nodes without incoming links keep a rank.
     */
    static List<Tuple2<Integer, Double>> contributionsOf(int node, List<Integer> targets, double rank) {
        List<Tuple2<Integer, Double>> contributions = new ArrayList<>(targets.size() + 1);
        contributions.add(new Tuple2<>(node, 0.0));
        for (int target : targets) {
            contributions.add(new Tuple2<>(target, rank / targets.size()));
        }
        return contributions;
    }

    /** The parsed command line. */
    static final class Settings {
        final String checkpoint;
        final String output;
        final int nodes;
        final int iterations;
        final int every;
        final int partitions;

        private Settings(AppArguments args) throws AppArguments.UsageException {
            checkpoint = args.string("--checkpoint", null);
            output = args.string("--output", "target/iterative-rank/output");
            nodes = args.integer("--nodes", 2000, 1);
            iterations = args.integer("--iterations", 30, 0);
            every = args.integer("--every", 5, 1);
            partitions = args.integer("--partitions", 4, 1);
        }

        static Settings parseOrExit(String[] args) {
            try {
                return new Settings(AppArguments.parse(args, "--checkpoint", "--output",
                        "--nodes", "--iterations", "--every", "--partitions"));
            } catch (AppArguments.UsageException e) {
                AppArguments.exitWithUsage(APP_NAME, e, USAGE);
                throw new AssertionError(e); // not reached
            }
        }
    }
}
