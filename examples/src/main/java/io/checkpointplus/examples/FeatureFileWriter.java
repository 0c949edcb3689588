package io.checkpointplus.examples;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.streaming.Time;

/**
 * The output operation of one feature: writes each batch's lines to
 * {@code <output>/<feature>/batch-%06d.txt}, sorted, atomically.
 *
 * <p>Runs on the driver as the body of {@code foreachRDD}. It is part of the checkpointed graph,
 * so it holds only the feature name and the shared {@link BatchClock}; the output directory and
 * batch count come from {@link RunControl}. Rewriting a file after a recovery yields identical
 * content because input and state are deterministic.
 */
final class FeatureFileWriter implements VoidFunction2<JavaRDD<String>, Time> {
    private static final long serialVersionUID = 1L;

    /** Orders lines by their tab-separated columns, comparing integer columns numerically. */
    static final Comparator<String> LINE_ORDER = FeatureFileWriter::compareLines;

    private final String feature;
    private final BatchClock clock;
    private final boolean lastOutputOfBatch;

    /**
     * @param feature the feature's directory name below the output directory
     * @param clock the clock shared with the input stream
     * @param lastOutputOfBatch whether this is the graph's last output operation, which reports
     *     the batch as done to {@link RunControl}
     */
    FeatureFileWriter(String feature, BatchClock clock, boolean lastOutputOfBatch) {
        this.feature = feature;
        this.clock = clock;
        this.lastOutputOfBatch = lastOutputOfBatch;
    }

    @Override
    public void call(JavaRDD<String> lines, Time batchTime) {
        long index = clock.indexOf(batchTime);
        if (index >= 0 && index < RunControl.batches()) {
            List<String> sorted = new ArrayList<>(lines.collect());
            sorted.sort(LINE_ORDER);
            AtomicFiles.writeLines(fileOf(RunControl.outputDir(), feature, index), sorted);
        }
        if (lastOutputOfBatch) {
            RunControl.batchDone(index);
        }
    }

    /** The file holding batch {@code index} of {@code feature}. */
    static Path fileOf(Path outputDir, String feature, long index) {
        return outputDir.resolve(feature).resolve(String.format(Locale.ROOT, "batch-%06d.txt", index));
    }

    private static int compareLines(String a, String b) {
        String[] left = a.split("\t", -1);
        String[] right = b.split("\t", -1);
        for (int i = 0; i < Math.min(left.length, right.length); i++) {
            int c = compareColumns(left[i], right[i]);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(left.length, right.length);
    }

    /** Integers before other text; integers by value, other text lexicographically. */
    private static int compareColumns(String a, String b) {
        boolean aNumeric = isInteger(a);
        boolean bNumeric = isInteger(b);
        if (aNumeric && bNumeric) {
            return Long.compare(Long.parseLong(a), Long.parseLong(b));
        }
        if (aNumeric != bNumeric) {
            return aNumeric ? -1 : 1;
        }
        return a.compareTo(b);
    }

    private static boolean isInteger(String s) {
        return s.matches("-?\\d{1,18}");
    }
}
