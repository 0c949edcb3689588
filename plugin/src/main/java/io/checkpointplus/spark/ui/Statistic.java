package io.checkpointplus.spark.ui;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Count, minimum, average, maximum and percentiles of a non-negative quantity over every value
 * ever added, in bounded space: values are counted in logarithmic buckets, each 2% wider than
 * the one below, so a percentile is exact to within 2% (and never outside [min, max]) however
 * many checkpoints an application writes, while the status store keeps only the newest rows.
 * Public fields for Jackson (the History Server's disk store).
 */
public final class Statistic {
  /** Ratio between the upper bounds of neighbouring buckets: the percentiles' relative error. */
  static final double GROWTH = 1.02;
  private static final double LOG_GROWTH = Math.log(GROWTH);

  public long count;
  public double sum;
  public double min;
  public double max;
  /** Bucket index to count; bucket {@code i > 0} holds values in (GROWTH^(i-1), GROWTH^i]. */
  public TreeMap<Integer, Long> buckets = new TreeMap<>();

  public Statistic() {
  }

  Statistic(Statistic other) {
    this.count = other.count;
    this.sum = other.sum;
    this.min = other.min;
    this.max = other.max;
    this.buckets = new TreeMap<>(other.buckets);
  }

  void add(double value) {
    double v = Math.max(0, value);
    if (count == 0) {
      min = v;
      max = v;
    } else {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    count++;
    sum += v;
    buckets.merge(bucket(v), 1L, Long::sum);
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
    for (Map.Entry<Integer, Long> e : buckets.entrySet()) {
      seen += e.getValue();
      if (seen >= rank) {
        double upper = e.getKey() == 0 ? 1 : Math.pow(GROWTH, e.getKey());
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
