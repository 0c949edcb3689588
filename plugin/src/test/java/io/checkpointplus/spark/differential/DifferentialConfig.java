package io.checkpointplus.spark.differential;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Spark configurations programs are spread over (the seed chooses one). Stock and plugin
 * runs of a program use the same one; the ancestor policy applies to the plugin only.
 */
enum DifferentialConfig {
  JAVA_PLAIN("java", false, false, "marked"),
  JAVA_COMPRESSED("java", false, true, "marked"),
  KRYO_PLAIN("kryo", false, false, "marked"),
  KRYO_REGISTERED_COMPRESSED("kryo", true, true, "marked"),
  JAVA_NEAREST("java", false, false, "nearest"),
  KRYO_COMPRESSED_NEAREST("kryo", false, true, "nearest"),
  /** With {@code spark.checkpointplus.rdd.backgroundWrite}: RDDs become checkpointed later. */
  JAVA_BACKGROUND("java", false, false, "marked", true),
  KRYO_COMPRESSED_BACKGROUND("kryo", false, true, "marked", true);

  /** Scala 2.13 renamed the wrapper classes results travel in. */
  private static final boolean SCALA_213 =
      scala.util.Properties$.MODULE$.versionNumberString().startsWith("2.13.");

  /**
   * What the programs' data need under {@code spark.kryo.registrationRequired=true}: records,
   * the arrays results travel in, and the partitioners written beside checkpoints.
   */
  static final String KRYO_CLASSES = String.join(",",
      "scala.Tuple2", "[Lscala.Tuple2;", "scala.Tuple3", "[Lscala.Tuple3;",
      "java.lang.Integer", "[Ljava.lang.Integer;", "java.lang.Object", "[Ljava.lang.Object;",
      "[[Ljava.lang.Object;", "[I", "[J",
      "org.apache.spark.HashPartitioner", "org.apache.spark.RangePartitioner",
      "scala.math.Ordering$Int$", "scala.math.Ordering$Reverse", "scala.reflect.ClassTag$GenericClassTag",
      "scala.reflect.ManifestFactory$IntManifest",
      "org.apache.spark.util.collection.CompactBuffer", "[Lorg.apache.spark.util.collection.CompactBuffer;",
      SCALA_213 ? "scala.collection.mutable.ArraySeq$ofRef"
          : "scala.collection.mutable.WrappedArray$ofRef", "java.lang.Class",
      "[Ljava.util.List;", "java.util.ArrayList", "java.util.Arrays$ArrayList",
      SCALA_213 ? "scala.collection.convert.JavaCollectionWrappers$SeqWrapper"
          : "scala.collection.convert.Wrappers$SeqWrapper",
      SCALA_213 ? "scala.collection.convert.JavaCollectionWrappers$"
          : "scala.collection.convert.Wrappers$",
      "scala.collection.mutable.ArrayBuffer");

  final String serializer;
  final boolean registrationRequired;
  final boolean compress;
  final String policy;
  /** Whether the plugin writes RDD checkpoints in the background. */
  final boolean background;

  DifferentialConfig(String serializer, boolean registrationRequired, boolean compress,
      String policy) {
    this(serializer, registrationRequired, compress, policy, false);
  }

  DifferentialConfig(String serializer, boolean registrationRequired, boolean compress,
      String policy, boolean background) {
    this.serializer = serializer;
    this.registrationRequired = registrationRequired;
    this.compress = compress;
    this.policy = policy;
    this.background = background;
  }

  /** Under Spark's own ancestor rule the plugin must not even allocate an extra RDD id. */
  boolean exactPartitioning() {
    return policy.equals("nearest");
  }

  /** Settings shared by the stock and the plugin context. */
  Map<String, String> sparkSettings() {
    Map<String, String> s = new LinkedHashMap<>();
    if (serializer.equals("kryo")) {
      s.put("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
      if (registrationRequired) {
        s.put("spark.kryo.registrationRequired", "true");
        s.put("spark.kryo.classesToRegister", KRYO_CLASSES);
      }
    }
    s.put("spark.checkpoint.compress", Boolean.toString(compress));
    return s;
  }

  /** Settings of the plugin context only. */
  Map<String, String> pluginSettings() {
    Map<String, String> s = new LinkedHashMap<>(sparkSettings());
    s.put("spark.checkpointplus.ancestors.policy", policy);
    if (background) {
      s.put("spark.checkpointplus.rdd.backgroundWrite", "true");
    }
    return s;
  }

  @Override
  public String toString() {
    return name() + " (serializer " + serializer
        + (registrationRequired ? ", registrationRequired" : "") + ", checkpoint.compress "
        + compress + ", ancestors.policy " + policy + ")";
  }
}
