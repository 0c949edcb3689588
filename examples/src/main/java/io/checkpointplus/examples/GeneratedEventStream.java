package io.checkpointplus.examples;

import java.util.Collections;
import java.util.List;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.streaming.Time;
import org.apache.spark.streaming.api.java.JavaStreamingContext;
import org.apache.spark.streaming.dstream.InputDStream;

import scala.Option;
import scala.Some;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * An input DStream that produces each batch's events with a {@link ClickStreamGenerator}.
 *
 * <p>Unlike {@code queueStream}, this stream can be checkpointed: it holds no RDDs, only the
 * (serializable) generator and batch clock, and it computes every batch from the batch index
 * alone. After a recovery Spark regenerates lost batches by calling {@link #compute} again and
 * gets the same events. Batches from index {@link RunControl#batches()} on are empty.
 */
final class GeneratedEventStream extends InputDStream<Event> {
    private static final long serialVersionUID = 1L;

    /** The class tag Spark needs for streams and RDDs of events. */
    static final ClassTag<Event> EVENT_TAG = ClassTag$.MODULE$.apply(Event.class);

    private static final int PARTITIONS = 2;

    private final ClickStreamGenerator generator;
    private final BatchClock clock;

    GeneratedEventStream(JavaStreamingContext ssc, ClickStreamGenerator generator, BatchClock clock) {
        super(ssc.ssc(), EVENT_TAG);
        this.generator = generator;
        this.clock = clock;
    }

    @Override
    public void start() {
        // Called on a fresh start, once the graph has its zero time. A context recovered from a
        // checkpoint does not call start() again; its clock is restored with the graph.
        clock.start(zeroTime(), slideDuration());
    }

    @Override
    public void stop() {
        // Nothing to release: the events are generated on demand.
    }

    @Override
    public Option<RDD<Event>> compute(Time validTime) {
        clock.start(zeroTime(), slideDuration());
        long index = clock.indexOf(validTime);
        List<Event> events = index >= 0 && index < RunControl.batches()
                ? generator.eventsOf(index)
                : Collections.emptyList();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(context().sparkContext());
        return new Some<>(sc.parallelize(events, PARTITIONS).rdd());
    }
}
