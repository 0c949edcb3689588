package io.checkpointplus.examples;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.Optional;
import org.apache.spark.streaming.Duration;
import org.apache.spark.streaming.Durations;
import org.apache.spark.streaming.State;
import org.apache.spark.streaming.StateSpec;
import org.apache.spark.streaming.api.java.JavaDStream;
import org.apache.spark.streaming.api.java.JavaMapWithStateDStream;
import org.apache.spark.streaming.api.java.JavaPairDStream;
import org.apache.spark.streaming.api.java.JavaStreamingContext;

import scala.Tuple2;

/**
 * Computes real-time recommendation features from a generated click/impression stream with the
 * Spark Streaming (DStream) API, and survives a crash by recovering from its checkpoint.
 *
 * <p>Three features are written per batch, each to {@code <output>/<feature>/batch-%06d.txt}:
 * <ul>
 *   <li>{@code item-ctr}: per item, impressions, clicks and click-through rate since the start,
 *       kept with {@code mapWithState} ({@code item<TAB>impressions<TAB>clicks<TAB>ctr});</li>
 *   <li>{@code user-category}: per user and category, the number of events since the start (a
 *       simple interest profile), kept with {@code updateStateByKey}
 *       ({@code user<TAB>category<TAB>count});</li>
 *   <li>{@code windowed-clicks}: per item, the clicks of the last 5 batches, computed with
 *       {@code reduceByKeyAndWindow} and its inverse function ({@code item<TAB>clicksInWindow},
 *       items without clicks omitted).</li>
 * </ul>
 *
 * <p>The input is a {@link GeneratedEventStream} whose batches are a pure function of the batch
 * index, so every run, including one recovered after a crash, writes the same files. The context
 * is built with {@link JavaStreamingContext#getOrCreate}: with an existing checkpoint, Spark
 * restores the graph (the generator settings and batch duration come from the checkpoint, the
 * given ones are ignored), regenerates the batches that were not completed and continues.
 *
 * <p>The application stops by itself once the output of batch index {@code batches-1} is written.
 *
 * <pre>
 * RealtimeFeatures [--checkpoint DIR] [--output DIR] [--batches N] [--batch-ms M]
 *                  [--events-per-batch E] [--users U] [--items I] [--categories C]
 *                  [--checkpoint-every K]
 * </pre>
 */
public final class RealtimeFeatures {

    static final String APP_NAME = "RealtimeFeatures";
    static final String ITEM_CTR = "item-ctr";
    static final String USER_CATEGORY = "user-category";
    static final String WINDOWED_CLICKS = "windowed-clicks";

    /** The window of the windowed click count, in batches. */
    static final int WINDOW_BATCHES = 5;

    static final String USAGE = String.join(System.lineSeparator(),
            "Usage: " + APP_NAME + " [--name value ...]",
            "  --checkpoint DIR        checkpoint directory (default target/realtime-features/checkpoint)",
            "  --output DIR            output directory (default target/realtime-features/output)",
            "  --batches N             batches to produce before stopping (default 20)",
            "  --batch-ms M            batch duration in milliseconds (default 1000)",
            "  --events-per-batch E    events per batch (default 2000)",
            "  --users U               number of users (default 200)",
            "  --items I               number of items (default 100)",
            "  --categories C          number of item categories (default 10)",
            "  --checkpoint-every K    checkpoint the state every K batches (default 5)");

    private RealtimeFeatures() {
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Settings.parseOrExit(args);
        Path output = Paths.get(settings.output).toAbsolutePath().normalize();
        RunControl.begin(settings.batches, output);

        AtomicBoolean created = new AtomicBoolean();
        JavaStreamingContext ssc = JavaStreamingContext.getOrCreate(settings.checkpoint, () -> {
            created.set(true);
            return createContext(settings);
        });
        if (!created.get()) {
            System.err.println(APP_NAME + ": recovered from checkpoint " + settings.checkpoint);
        }

        ssc.start();
        long timeoutMs = settings.batches * settings.batchMs * 10 + 120_000;
        String failure = awaitLastBatch(ssc, timeoutMs);
        if (failure != null) {
            System.err.println(APP_NAME + ": " + failure);
            ssc.stop(true, false);
            System.exit(1);
        }
        ssc.stop(true, true);
        System.out.println(APP_NAME + ": completed " + settings.batches + " batches, output in "
                + output);
    }

    /**
     * Waits until the last batch is written. Returns null on success, or why it failed: the
     * timeout passed, a streaming job failed, or the context stopped.
     */
    private static String awaitLastBatch(JavaStreamingContext ssc, long timeoutMs)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!RunControl.awaitCompletion(200)) {
            try {
                // Rethrows the error of a failed streaming job, so we do not wait for the timeout.
                if (ssc.awaitTerminationOrTimeout(1)) {
                    return "streaming context stopped before the last batch was written";
                }
            } catch (Exception e) {
                e.printStackTrace();
                return "streaming job failed: " + e;
            }
            if (System.currentTimeMillis() > deadline) {
                return "timed out after " + timeoutMs + " ms waiting for the last batch";
            }
        }
        return null;
    }

    /**
     * Creates the streaming context and defines the whole DStream graph. Called by
     * {@code getOrCreate} only when there is no checkpoint to recover from.
     */
    static JavaStreamingContext createContext(Settings settings) {
        SparkConf conf = new SparkConf().setAppName(APP_NAME).setIfMissing("spark.master", "local[2]");
        Duration batch = Durations.milliseconds(settings.batchMs);
        JavaStreamingContext ssc = new JavaStreamingContext(conf, batch);
        ssc.checkpoint(settings.checkpoint);

        BatchClock clock = new BatchClock();
        ClickStreamGenerator generator = new ClickStreamGenerator(
                settings.eventsPerBatch, settings.users, settings.items, settings.categories);
        JavaDStream<Event> events = new JavaDStream<>(
                new GeneratedEventStream(ssc, generator, clock), GeneratedEventStream.EVENT_TAG);

        // Production jobs set the state checkpoint interval explicitly (Spark's default is the
        // first multiple of the batch duration above 10 s).
        Duration checkpointInterval = batch.times((int) settings.checkpointEvery);
        itemClickThroughRates(events, checkpointInterval)
                .foreachRDD(new FeatureFileWriter(ITEM_CTR, clock, false));
        userCategoryCounts(events, checkpointInterval)
                .foreachRDD(new FeatureFileWriter(USER_CATEGORY, clock, false));
        windowedItemClicks(events, batch, checkpointInterval)
                .foreachRDD(new FeatureFileWriter(WINDOWED_CLICKS, clock, true));
        return ssc;
    }

    /** Feature 1: running impressions, clicks and CTR of every item seen, via mapWithState. */
    static JavaDStream<String> itemClickThroughRates(
            JavaDStream<Event> events, Duration checkpointInterval) {
        StateSpec<Integer, ItemCounts, ItemCounts, ItemCounts> spec =
                StateSpec.function(RealtimeFeatures::accumulateItemCounts);
        JavaMapWithStateDStream<Integer, ItemCounts, ItemCounts, ItemCounts> state = events
                .mapToPair(e -> new Tuple2<>(e.itemId(), ItemCounts.of(e)))
                .reduceByKey(ItemCounts::plus)
                .mapWithState(spec);
        state.checkpoint(checkpointInterval);
        return state
                .stateSnapshots()
                .map(entry -> entry._2().toLine(entry._1()));
    }

    private static ItemCounts accumulateItemCounts(
            Integer item, Optional<ItemCounts> batchCounts, State<ItemCounts> state) {
        ItemCounts total = (state.exists() ? state.get() : ItemCounts.ZERO)
                .plus(batchCounts.orElse(ItemCounts.ZERO));
        state.update(total);
        return total;
    }

    /** Feature 2: running number of events per (user, category), via updateStateByKey. */
    static JavaDStream<String> userCategoryCounts(
            JavaDStream<Event> events, Duration checkpointInterval) {
        JavaPairDStream<Tuple2<Integer, Integer>, Long> counts = events
                .mapToPair(e -> new Tuple2<>(new Tuple2<>(e.userId(), e.category()), 1L))
                .reduceByKey(Long::sum)
                .updateStateByKey(RealtimeFeatures::addCounts);
        counts.checkpoint(checkpointInterval);
        return counts
                .map(entry -> entry._1()._1() + "\t" + entry._1()._2() + "\t" + entry._2());
    }

    private static Optional<Long> addCounts(List<Long> batchCounts, Optional<Long> total) {
        long sum = total.orElse(0L);
        for (long count : batchCounts) {
            sum += count;
        }
        return Optional.of(sum);
    }

    /**
     * Feature 3: clicks per item over the last {@link #WINDOW_BATCHES} batches, maintained
     * incrementally: the newest batch is added and the batch leaving the window subtracted.
     */
    static JavaDStream<String> windowedItemClicks(
            JavaDStream<Event> events, Duration batch, Duration checkpointInterval) {
        JavaPairDStream<Integer, Long> clicks = events
                .filter(Event::clicked)
                .mapToPair(e -> new Tuple2<>(e.itemId(), 1L));
        JavaPairDStream<Integer, Long> windowed = clicks
                .reduceByKeyAndWindow(Long::sum, (total, leaving) -> total - leaving,
                        batch.times(WINDOW_BATCHES), batch,
                        clicks.context().sparkContext().defaultParallelism(),
                        entry -> entry._2() != 0L);
        windowed.checkpoint(checkpointInterval);
        return windowed
                .map(entry -> entry._1() + "\t" + entry._2());
    }

    /** The parsed command line. */
    static final class Settings {
        final String checkpoint;
        final String output;
        final long batches;
        final long batchMs;
        final int eventsPerBatch;
        final int users;
        final int items;
        final int categories;
        final long checkpointEvery;

        private Settings(AppArguments args) throws AppArguments.UsageException {
            checkpoint = args.string("--checkpoint", "target/realtime-features/checkpoint");
            output = args.string("--output", "target/realtime-features/output");
            batches = args.longValue("--batches", 20, 1);
            batchMs = args.longValue("--batch-ms", 1000, 1);
            eventsPerBatch = args.integer("--events-per-batch", 2000, 0);
            users = args.integer("--users", 200, 1);
            items = args.integer("--items", 100, 1);
            categories = args.integer("--categories", 10, 1);
            checkpointEvery = args.longValue("--checkpoint-every", 5, 1);
        }

        static Settings parseOrExit(String[] args) {
            try {
                return new Settings(AppArguments.parse(args, "--checkpoint", "--output",
                        "--batches", "--batch-ms", "--events-per-batch", "--users", "--items",
                        "--categories", "--checkpoint-every"));
            } catch (AppArguments.UsageException e) {
                AppArguments.exitWithUsage(APP_NAME, e, USAGE);
                throw new AssertionError(e); // not reached
            }
        }
    }
}
