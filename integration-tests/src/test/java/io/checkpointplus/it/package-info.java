/**
 * End-to-end tests: the example applications and Spark's own checkpoint suites, each run in a
 * child JVM exactly as users deploy the plugin (the shaded jar on {@code --jars}, settings as
 * {@code --conf}), compared with the same run on stock Spark.
 */
package io.checkpointplus.it;
