#!/usr/bin/env bash
# Runs one Spark line's checks:
#   1. builds the two release jars exactly as `mvn -B package` does (each compiled once, against
#      the oldest Spark of its Scala version's default line) and keeps them in target/release-jars;
#   2. compiles the plugin against this line's own Spark and runs its unit tests there;
#   3. runs, with the RELEASE jars on this line's Spark through SparkSubmit: RealtimeFeatures
#      end to end against stock output, the other Scala's jar failing open, and Spark's own
#      checkpoint suites from this line's tests jars.
#   dev/test-spark.sh 4.1            one line (3.4, 3.5, 3.5-scala-2.13, 4.0, 4.1, 4.2)
#   dev/test-spark.sh 4.1 -Dtest=X   extra arguments go to the second Maven run
# The default line (3.5 on Scala 2.12) is the README's test command, mvn -B verify, which runs
# the full suite; "3.5" here runs only its line checks.
set -euo pipefail
cd "$(dirname "$0")/.."
line="${1:?usage: dev/test-spark.sh LINE [maven args...]  (LINE: 3.4 3.5 3.5-scala-2.13 4.0 4.1 4.2)}"
shift
case "$line" in
  3.5) profile=(-Dline.full=false -Dline.kryo.skip=true "-Dline.it.includes=**/RealtimeFeaturesIT.java,**/SparkCheckpointSuiteIT.java,**/OtherScalaJarIT.java") ;;
  3.4|3.5-scala-2.13|4.0|4.1|4.2) profile=("-Pspark-$line") ;;
  *) echo "dev/test-spark.sh: unknown Spark line '$line'; known: 3.4 3.5 3.5-scala-2.13 4.0 4.1 4.2" >&2; exit 2 ;;
esac
echo "== Spark line $line: the release jars"
mvn -B -q clean package -DskipTests -pl plugin/scala-2.12,plugin/scala-2.13 -am
release="$PWD/target/release-jars"
rm -rf "$release" && mkdir -p "$release"
cp plugin/scala-2.12/target/spark-checkpoint-plus_2.12-*.jar plugin/scala-2.13/target/spark-checkpoint-plus_2.13-*.jar "$release"/
rm -f "$release"/original-*
jar_for() { ls "$release"/spark-checkpoint-plus_"$1"-*.jar; }
if [[ "$line" == 3.4 || "$line" == 3.5 ]]; then scala=2.12 other=2.13; else scala=2.13 other=2.12; fi
echo "== Spark line $line: unit tests on its Spark, release jars end to end"
exec mvn -B clean verify "${profile[@]}" -pl plugin/scala-2.12,plugin/scala-2.13,examples,integration-tests \
  -Dline.plugin.jar="$(jar_for $scala)" -Dother.plugin.jar="$(jar_for $other)" "$@"
