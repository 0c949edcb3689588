package io.checkpointplus.spark.config;

/**
 * A {@code spark.checkpointplus.*} value the plugin cannot accept. The message always names the
 * key, the value given and what is allowed, so the user can fix the {@code --conf} line at once.
 */
public final class InvalidConfigurationException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidConfigurationException(String key, String value, String allowed) {
    super("Invalid value '" + value + "' for " + key + ": allowed is " + allowed);
  }

  public InvalidConfigurationException(String message) {
    super(message);
  }
}
