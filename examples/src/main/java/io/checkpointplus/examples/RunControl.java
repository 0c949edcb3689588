package io.checkpointplus.examples;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Driver-side settings and progress of the current {@link RealtimeFeatures} run.
 *
 * <p>When a streaming context is recovered from a checkpoint, Spark restores the DStream graph,
 * and every value captured in it, from the checkpoint and never calls the factory again. Settings
 * that a restarted run may legitimately change (how many batches to produce, where to write) are
 * therefore read from here at batch time instead of being captured in the graph. Static state is
 * safe because everything that reads it runs on the driver: {@code InputDStream.compute} and the
 * bodies of {@code foreachRDD}.
 */
final class RunControl {

    private static volatile long batches = Long.MAX_VALUE;
    private static volatile Path outputDir;
    private static volatile CountDownLatch lastBatchDone = new CountDownLatch(1);

    private RunControl() {
    }

    /** Starts a run producing batch indices {@code 0 .. batches-1}, written below {@code outputDir}. */
    static void begin(long batches, Path outputDir) {
        RunControl.batches = batches;
        RunControl.outputDir = outputDir;
        RunControl.lastBatchDone = new CountDownLatch(1);
    }

    /** The number of batches with events and output; later batches are empty and not written. */
    static long batches() {
        return batches;
    }

    /** The absolute output directory of the run. */
    static Path outputDir() {
        Path dir = outputDir;
        if (dir == null) {
            throw new IllegalStateException("RunControl.begin was not called");
        }
        return dir;
    }

    /**
     * Called by the last output operation of each batch once it is done. The run is complete when
     * batch {@code batches-1}, or any later one, is done: jobs of a batch run in the order of their
     * output operations and batches run in order, so all earlier output exists by then (written by
     * this run or, after a recovery, by an earlier one).
     */
    static void batchDone(long batchIndex) {
        if (batchIndex >= batches - 1) {
            lastBatchDone.countDown();
        }
    }

    /** Waits up to {@code timeoutMs} for the run to complete; true if it did. */
    static boolean awaitCompletion(long timeoutMs) throws InterruptedException {
        return lastBatchDone.await(timeoutMs, TimeUnit.MILLISECONDS);
    }
}
