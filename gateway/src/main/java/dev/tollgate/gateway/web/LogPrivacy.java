package dev.tollgate.gateway.web;

import ch.qos.logback.classic.LoggerContext;
import dev.tollgate.gateway.web.internal.AddressRedactingFilter;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.logging.LoggingApplicationListener;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;

/**
 * Installs {@link AddressRedactingFilter} into Logback as soon as Spring Boot has configured
 * logging (registered in {@code META-INF/spring.factories}), so that no log line of the gateway,
 * its libraries included, carries a client's IP address. Does nothing when another logging backend
 * is in use.
 */
public final class LogPrivacy
    implements ApplicationListener<ApplicationEnvironmentPreparedEvent>, Ordered {

  @Override
  public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
    install();
  }

  /** Adds the filter to Logback once. */
  public static void install() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context
        && context.getTurboFilterList().stream()
            .noneMatch(AddressRedactingFilter.class::isInstance)) {
      AddressRedactingFilter filter = new AddressRedactingFilter();
      filter.setContext(context);
      filter.start();
      context.addTurboFilter(filter);
    }
  }

  @Override
  public int getOrder() {
    return LoggingApplicationListener.DEFAULT_ORDER + 1;
  }
}
