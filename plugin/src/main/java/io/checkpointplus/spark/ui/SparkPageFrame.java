package io.checkpointplus.spark.ui;

import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.ui.SparkUITab;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;
import scala.runtime.AbstractFunction0;
import scala.xml.Unparsed;

/**
 * Spark's own page frame (header, navigation bar with this tab active, Spark's CSS and scripts
 * from {@code /static/}) around content rendered as text. {@code UIUtils.headerSparkPage} takes
 * a {@code javax} request on Spark 3 and a {@code jakarta} one on Spark 4, and returns a Scala
 * {@code Seq} whose erasure depends on the Scala version, so it is called reflectively: one
 * class serves every line. If the frame cannot be drawn, the content is served in a plain page
 * and one WARN says why.
 */
final class SparkPageFrame {
  private static final Logger LOG = LoggerFactory.getLogger(SparkPageFrame.class);
  private static final AtomicBoolean WARNED = new AtomicBoolean();
  private static volatile Method headerSparkPage;

  private SparkPageFrame() {
  }

  static String render(Object servletRequest, String title, String contentHtml, SparkUITab tab) {
    try {
      Object nodes = method().invoke(null, servletRequest, title,
          new AbstractFunction0<Object>() {
            @Override
            public Object apply() {
              return new Unparsed(contentHtml);
            }
          }, tab, Option.empty(), false, false);
      StringBuilder page = new StringBuilder(contentHtml.length() + 8192).append("<!DOCTYPE html>");
      scala.collection.Iterator<?> it = ((scala.collection.Iterable<?>) nodes).iterator();
      while (it.hasNext()) {
        page.append(it.next());
      }
      return page.toString();
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      if (WARNED.compareAndSet(false, true)) {
        LOG.warn("Checkpoints tab cannot use Spark's page frame, serving plain pages: {}",
            e.toString());
      }
      return "<!DOCTYPE html><html><head><title>" + Html.escape(title) + "</title></head><body>"
          + "<h3>" + Html.escape(title) + "</h3>" + contentHtml + "</body></html>";
    }
  }

  private static Method method() throws ClassNotFoundException, NoSuchMethodException {
    Method m = headerSparkPage;
    if (m == null) {
      for (Method candidate : Class.forName("org.apache.spark.ui.UIUtils").getMethods()) {
        if (candidate.getName().equals("headerSparkPage")
            && candidate.getParameterCount() == 7) {
          m = candidate;
        }
      }
      if (m == null) {
        throw new NoSuchMethodException("UIUtils.headerSparkPage with 7 parameters");
      }
      headerSparkPage = m;
    }
    return m;
  }
}
