package io.checkpointplus.spark.ui;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Count, minimum, average, maximum and percentiles of a non-negative quantity over every value
 * ever added, in bounded space: values are counted in logarithmic buckets, each 2% wider than
 * the one below, so a percentile is exact to within 2% (and never outside [min, max]) however
 * many checkpoints an application writes, while the status store keeps only the newest rows.
 * Never changed once built ({@link #plus} makes a new one), so the summary row can share it;
 * public fields for Jackson (the History Server's disk store).
 */
public final class Statistic {
  /** Ratio between the upper bounds of neighbouring buckets: the percentiles' relative error. */
  static final double GROWTH = 1.02;
  private static final double LOG_GROWTH = Math.log(GROWTH);

  public long count;
  public double sum;
  public double min;
  public double max;
  /** Index of the bucket {@code counts[0]} counts; bucket {@code i > 0} holds (GROWTH^(i-1), GROWTH^i]. */
  public int firstBucket;
  /** Values per bucket, from {@link #firstBucket} on. */
  public long[] counts = new long[0];

  public Statistic() {
  }

  /** This statistic with {@code value} added. */
  Statistic plus(double value) {
    double v = Math.max(0, value);
    Statistic s = new Statistic();
    s.count = count + 1;
    s.sum = sum + v;
    s.min = count == 0 ? v : Math.min(min, v);
    s.max = count == 0 ? v : Math.max(max, v);
    int b = bucket(v);
    if (counts.length == 0) {
      s.firstBucket = b;
      s.counts = new long[] {1};
    } else if (b < firstBucket) {
      s.firstBucket = b;
      s.counts = new long[counts.length + firstBucket - b];
      System.arraycopy(counts, 0, s.counts, firstBucket - b, counts.length);
      s.counts[0]++;
    } else {
      s.firstBucket = firstBucket;
      s.counts = Arrays.copyOf(counts, Math.max(counts.length, b - firstBucket + 1));
      s.counts[b - firstBucket]++;
    }
    return s;
  }

  private static int bucket(double v) {
    return v <= 1 ? 0 : (int) Math.ceil(Math.log(v) / LOG_GROWTH);
  }

  /** The value below which a share {@code p} (0 to 1) of the values lie; {@code null} if none. */
  public Double percentile(double p) {
    if (count == 0) {
      return null;
    }
    long rank = Math.max(1, (long) Math.ceil(p * count));
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        int b = firstBucket + i;
        double upper = b == 0 ? 1 : Math.pow(GROWTH, b);
        return Math.min(max, Math.max(min, upper));
      }
    }
    return max;
  }

  /** min, avg, max, p50, p90, p99 and count, as the API and the page show them. */
  @JsonIgnore
  public Map<String, Object> summary() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("count", count);
    out.put("min", count == 0 ? null : min);
    out.put("avg", count == 0 ? null : sum / count);
    out.put("max", count == 0 ? null : max);
    out.put("p50", percentile(0.50));
    out.put("p90", percentile(0.90));
    out.put("p99", percentile(0.99));
    return out;
  }
}
