#!/usr/bin/env bash
# Builds both plugin jars and runs one Spark line's checks: its unit tests, the RealtimeFeatures
# end-to-end run against stock output, the other Scala's jar failing open, and Spark's own
# checkpoint suites from that line's tests jars.
#   dev/test-spark.sh 4.1            one line (3.4, 3.5, 3.5-scala-2.13, 4.0, 4.1, 4.2)
#   dev/test-spark.sh 4.1 -DskipITs  extra arguments go to Maven
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
echo "== Spark line $line"
exec mvn -B clean verify "${profile[@]}" -pl plugin/scala-2.12,plugin/scala-2.13,examples,integration-tests "$@"
