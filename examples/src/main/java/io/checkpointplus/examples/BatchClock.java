package io.checkpointplus.examples;

import java.io.Serializable;

import org.apache.spark.streaming.Duration;
import org.apache.spark.streaming.Time;

/**
 * Translates batch times into batch indices (0 for the first batch).
 *
 * <p>The origin is the DStream graph's zero time, which only exists once the streaming context
 * has started; {@link GeneratedEventStream} records it here. One instance is shared by the input
 * stream and the output operations, so it is part of the checkpointed graph: after a recovery the
 * restored instance still carries the original origin and indices continue where they left off,
 * whatever the wall clock says.
 */
final class BatchClock implements Serializable {
    private static final long serialVersionUID = 1L;

    private volatile long zeroTimeMs;
    private volatile long batchMs;

    /** Records the graph's zero time and batch duration; later calls must agree. */
    synchronized void start(Time zeroTime, Duration batchDuration) {
        if (batchMs == 0) {
            zeroTimeMs = zeroTime.milliseconds();
            batchMs = batchDuration.milliseconds();
        } else if (zeroTimeMs != zeroTime.milliseconds() || batchMs != batchDuration.milliseconds()) {
            throw new IllegalStateException("batch clock started twice: zero time " + zeroTimeMs
                    + " ms and " + zeroTime.milliseconds() + " ms");
        }
    }

    /** The index of the batch at {@code batchTime}. */
    long indexOf(Time batchTime) {
        if (batchMs == 0) {
            throw new IllegalStateException("batch clock not started before batch " + batchTime);
        }
        return (batchTime.milliseconds() - zeroTimeMs) / batchMs - 1;
    }
}
