package io.checkpointplus.spark.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.checkpointplus.spark.config.CheckpointPlusConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's configuration table is the one the declarations generate. */
class ConfigTableTest {
  private static final Path README = Path.of("..", "..", "README.md");

  @Test
  void readmeTableIsUpToDate() throws Exception {
    String readme = Files.readString(README);
    assertEquals(ConfigTable.updated(readme), readme, "README.md's configuration table is out of"
        + " date: run  mvn -q -pl plugin/scala-2.12 test-compile exec:java"
        + " -Dexec.classpathScope=test -Dexec.mainClass="
        + ConfigTable.class.getName() + " -Dexec.args=README.md");
  }

  @Test
  void everySettingIsListed() {
    String table = ConfigTable.markdown();
    CheckpointPlusConfig.ALL.forEach(e -> assertTrue(table.contains("`" + e.key() + "`"), e.key()));
  }
}
