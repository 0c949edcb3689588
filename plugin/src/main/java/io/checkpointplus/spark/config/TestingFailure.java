package io.checkpointplus.spark.config;

/**
 * Failures {@code spark.checkpointplus.testing.failWith} injects, so that tests can prove the
 * plugin fails open on a real SparkContext: a {@link LinkageError} is what a Spark build with
 * other signatures produces; a {@link VirtualMachineError} must never be swallowed.
 */
public enum TestingFailure implements ConfigEntry.Named {
  NONE("none"),
  /** A {@link NoSuchMethodError} in {@code DriverPlugin.init}. */
  INIT_LINKAGE_ERROR("initLinkageError"),
  /** A {@link NoClassDefFoundError} while the hook is installed in {@code registerMetrics}. */
  INSTALL_LINKAGE_ERROR("installLinkageError"),
  /** A {@link StackOverflowError} while the hook is installed in {@code registerMetrics}. */
  INSTALL_VM_ERROR("installVmError"),
  /** The intercepting scheduler's overrides refused as not binding (a vendor's Spark). */
  UNBOUND_SCHEDULER("unboundScheduler");

  private final String configName;

  TestingFailure(String configName) {
    this.configName = configName;
  }

  @Override
  public String configName() {
    return configName;
  }
}
