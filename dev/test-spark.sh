#!/usr/bin/env bash
# Runs one Spark line's checks:
#   1. takes the two release jars as `mvn -B package` builds them (each compiled once, against
#      its Scala version's default Spark: 3.5.9 for 2.12, 3.5.6 for 2.13), from
#      $CHECKPOINTPLUS_RELEASE_JARS when set (CI builds them once), else builds them;
#   2. compiles the plugin against this line's own Spark and runs its unit tests there;
#   3. runs, with the RELEASE jars on this line's Spark through SparkSubmit: RealtimeFeatures
#      end to end against stock output, the other Scala's jar failing open, and Spark's own
#      checkpoint suites from this line's tests jars.
#   dev/test-spark.sh 4.1                          one line (3.4, 3.5, 3.5-scala-2.13, 4.0, 4.1, 4.2)
#   dev/test-spark.sh 4.1 -Dit.test=OtherScalaJarIT   extra arguments go to the line's Maven run
# The default line (3.5 on Scala 2.12) is the README's test command, mvn -B verify, which runs
# the full suite; "3.5" here runs only its line checks.
set -euo pipefail
cd "$(dirname "$0")/.."
line="${1:?usage: dev/test-spark.sh LINE [maven args...]  (LINE: 3.4 3.5 3.5-scala-2.13 4.0 4.1 4.2)}"
shift
case "$line" in
  3.5) profile=(-Dline.kryo.skip=true -Dline.differential.programs=20 -Dline.differential.clusterPrograms=2
         -Dline.verify.cases=20 -Dline.upgradecheck.cases=15
         "-Dline.it.includes=**/RealtimeFeaturesIT.java,**/SparkCheckpointSuiteIT.java,**/OtherScalaJarIT.java") ;;
  # Spark 3.5 on Scala 2.13: its Spark is the default line's and its Scala every 4.x line's, so
  # of the unit tests only those of the Scala-version-specific scheduler binding and of whole
  # programs run here; the release 2.13 jar runs end to end on this Spark below, in full.
  3.5-scala-2.13) profile=("-Pspark-$line"
         "-Dtest=io/checkpointplus/spark/interception/**,io/checkpointplus/spark/activation/**,io/checkpointplus/spark/differential/**"
         -Dsurefire.failIfNoSpecifiedTests=false) ;;
  # Spark 3.4, 4.0, 4.1 and 4.2: the unit tests of the packages that meet Spark's internals and
  # APIs (the scheduler binding, activation, checkpoint writing, background writes, the
  # Checkpoints tab, Structured Streaming's file manager and its integrity checks) and 20 + 2
  # random programs; every unit test runs on the default line (3.5, Scala 2.12). The stateful
  # operators and RocksDB snapshots run on the oldest and newest lines, where state formats
  # differ most from 3.5's; storage (S3, HDFS: Hadoop 3.4.2's conditional create) and the
  # inspector on query locations (verify's verdicts, show, repair, copy: operator metadata v2
  # and schema files from 4.x, metadata required from 4.2) on the newest.
  3.4|4.0|4.1|4.2)
    tests="io/checkpointplus/spark/interception/**,io/checkpointplus/spark/activation/**,io/checkpointplus/spark/checkpoint/**,io/checkpointplus/spark/differential/**,io/checkpointplus/spark/policy/Background*,io/checkpointplus/spark/ui/**,io/checkpointplus/spark/structured/**"
    heavy_structured=(StatefulOperatorsTest RocksDbSnapshotTest QueryOnS3Test QueryOnHdfsTest)
    case "$line" in
      3.4) runs=(StatefulOperatorsTest RocksDbSnapshotTest) ;;
      4.2) runs=("${heavy_structured[@]}")
           tests="$tests,io/checkpointplus/spark/inspector/QueryLocation*Test*" ;;
      # 4.1 writes its own checksum file beside each state file by default: verify's verdicts.
      4.1) runs=()
           tests="$tests,io/checkpointplus/spark/inspector/QueryLocationVerifyTest*" ;;
      *) runs=() ;;
    esac
    for t in "${heavy_structured[@]}"; do
      [[ " ${runs[*]} " == *" $t "* ]] || tests="$tests,!**/$t*"
    done
    profile=("-Pspark-$line" "-Dtest=$tests" -Dsurefire.failIfNoSpecifiedTests=false)
    # Byte copy against stock's bytes runs on 3.4 and 4.2, between them on 3.5 (and random
    # programs on local-cluster too: the pom's spark-4.0 and spark-4.1 profiles run none,
    # RealtimeFeaturesIT runs on local-cluster on every line).
    if [[ "$line" == 4.0 || "$line" == 4.1 ]]; then
      profile[1]="${profile[1]},!**/ByteCopyTest*"
    fi ;;
  *) echo "dev/test-spark.sh: unknown Spark line '$line'; known: 3.4 3.5 3.5-scala-2.13 4.0 4.1 4.2" >&2; exit 2 ;;
esac
release="${CHECKPOINTPLUS_RELEASE_JARS:-}"
if [[ -z "$release" ]]; then
  echo "== Spark line $line: building the release jars"
  mvn -B -q clean package -DskipTests -pl plugin/scala-2.12,plugin/scala-2.13 -am
  release="$PWD/target/release-jars"
  rm -rf "$release" && mkdir -p "$release"
  # The jars users deploy, not the test classes' jar (-tests.jar) the benchmarks use.
  cp $(ls plugin/scala-2.12/target/spark-checkpoint-plus_2.12-*.jar \
    plugin/scala-2.13/target/spark-checkpoint-plus_2.13-*.jar | grep -v -e '-tests\.jar$') "$release"/
fi
jar_for() { ls "$release"/spark-checkpoint-plus_"$1"-*.jar | grep -v -e '-tests\.jar$'; }
if [[ "$line" == 3.4 || "$line" == 3.5 ]]; then scala=2.12 other=2.13; else scala=2.13 other=2.12; fi
echo "== Spark line $line: unit tests on its Spark, release jars end to end"
exec mvn -B clean verify "${profile[@]}" -pl plugin/scala-2.12,plugin/scala-2.13,examples,integration-tests \
  -Dline.plugin.jar="$(jar_for $scala)" -Dother.plugin.jar="$(jar_for $other)" \
  -Dspark.suites.background.skip=true "$@"
