package io.checkpointplus.spark.activation;

import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.util.Properties;

/**
 * Reads a {@code .properties} resource with the JDK alone: the version check runs before the
 * plugin may touch any Scala or Spark class.
 */
final class PropertiesResource {
  private PropertiesResource() {
  }

  /** The properties at {@code url}; {@code null} when {@code url} is null or unreadable. */
  static Properties load(URL url) {
    if (url == null) {
      return null;
    }
    try (InputStream in = url.openStream()) {
      Properties properties = new Properties();
      properties.load(in);
      return properties;
    } catch (Exception e) {
      return null;
    }
  }

  /**
   * {@code resource} from the same jar or directory as {@code anchor} (both paths relative to
   * the class-path root), as {@code loader} finds {@code anchor}; {@code null} when the loader
   * has no {@code anchor}. A resource with a common name ({@code library.properties}) may be in
   * several jars: the one beside the anchor is the one that belongs to it.
   */
  static URL beside(ClassLoader loader, String anchor, String resource) {
    URL anchorUrl = loader.getResource(anchor);
    if (anchorUrl == null) {
      return null;
    }
    String url = anchorUrl.toString();
    if (!url.endsWith(anchor)) {
      return null;
    }
    try {
      return URI.create(url.substring(0, url.length() - anchor.length()) + resource).toURL();
    } catch (Exception e) {
      return null;
    }
  }
}
