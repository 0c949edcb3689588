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
      Method m = method();
      Object[] args = new Object[m.getParameterCount()];
      args[0] = servletRequest;
      args[1] = title;
      args[2] = new AbstractFunction0<Object>() {
        @Override
        public Object apply() {
          return new Unparsed(contentHtml);
        }
      };
      args[3] = tab;
      // The optional parameters (help text, visualization, data tables, and whatever a later
      // Spark adds: 4.2 has one more) take Spark's own defaults.
      for (int i = 4; i < args.length; i++) {
        args[i] = defaultArgument(m, i);
      }
      Object nodes = m.invoke(null, args);
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

  /** Scala's default for parameter {@code index} (0-based): {@code headerSparkPage$default$N}. */
  private static Object defaultArgument(Method m, int index) throws ReflectiveOperationException {
    return m.getDeclaringClass().getMethod("headerSparkPage$default$" + (index + 1)).invoke(null);
  }

  /** {@code headerSparkPage(request, title, content, tab, ...)}: 7 parameters up to 4.1, 8 in 4.2. */
  private static Method method() throws ClassNotFoundException, NoSuchMethodException {
    Method m = headerSparkPage;
    if (m == null) {
      for (Method candidate : Class.forName("org.apache.spark.ui.UIUtils").getMethods()) {
        Class<?>[] p = candidate.getParameterTypes();
        if (candidate.getName().equals("headerSparkPage") && p.length >= 4
            && p[1] == String.class && p[2] == scala.Function0.class
            && p[3] == org.apache.spark.ui.SparkUITab.class) {
          m = candidate;
        }
      }
      if (m == null) {
        throw new NoSuchMethodException("UIUtils.headerSparkPage(request, title, content, tab, ...)");
      }
      headerSparkPage = m;
    }
    return m;
  }
}
