package dev.tollgate.gateway.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.event.ApplicationFailedEvent;
import org.springframework.boot.context.event.SpringApplicationEvent;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.StringUtils;

/**
 * Starts the embedded Redis and/or PostgreSQL once the environment is prepared, before any bean
 * exists: every property source (command line, system properties, environment variables, config
 * files) has been read by then, so a server the operator configured is seen and no stand-in for it
 * is started. Runs on the {@code main} thread, never on an event loop.
 *
 * <p>Added by {@code GatewayApplication.main} only (the executable jar, {@code spring-boot:run}),
 * not through {@code spring.factories}: tests build their application contexts without it and never
 * start an embedded server by accident.
 *
 * <p>{@code tollgate.embedded.enabled=false} starts nothing (billing then expects the servers it is
 * given); so does {@code gateway.billing.enabled=false}, which needs neither. The services are
 * stopped by a Spring Boot shutdown handler, which runs after the application context has closed
 * (Ctrl-C, SIGTERM), or at once when start-up fails.
 */
public final class EmbeddedDefault implements ApplicationListener<SpringApplicationEvent> {

  /** Where the embedded services keep their data; relative paths are from the working dir. */
  public static final String DATA_DIR = "tollgate.embedded.data-dir";

  /** {@code false}: never start an embedded service. */
  public static final String ENABLED = "tollgate.embedded.enabled";

  static final String DEFAULT_DATA_DIR = "tollgate-data";
  static final String PROPERTY_SOURCE = "tollgateEmbeddedServices";

  private static final String REDIS_CLUSTER_NODES = "spring.data.redis.cluster.nodes";

  private static final Logger log = LoggerFactory.getLogger(EmbeddedDefault.class);

  private @Nullable EmbeddedServices services;

  @Override
  public void onApplicationEvent(SpringApplicationEvent event) {
    if (event instanceof ApplicationEnvironmentPreparedEvent prepared) {
      start(prepared.getEnvironment());
    } else if (event instanceof ApplicationFailedEvent) {
      stop();
    }
  }

  private void start(ConfigurableEnvironment environment) {
    if (!environment.getProperty(ENABLED, Boolean.class, true)
        || !environment.getProperty("gateway.billing.enabled", Boolean.class, true)) {
      return;
    }
    boolean redis = !redisConfigured(environment);
    boolean postgres = !configured(environment, EmbeddedServices.R2DBC_URL);
    if (!redis && !postgres) {
      return;
    }
    Path directory = Path.of(environment.getProperty(DATA_DIR, DEFAULT_DATA_DIR));
    try {
      services = EmbeddedServices.start(directory, redis, postgres);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Could not start the embedded services in " + directory.toAbsolutePath(), e);
    }
    SpringApplication.getShutdownHandlers().add(this::stop);
    // First: the servers just started are the ones to use for what was not configured.
    environment
        .getPropertySources()
        .addFirst(new MapPropertySource(PROPERTY_SOURCE, services.properties()));
  }

  private static boolean redisConfigured(ConfigurableEnvironment environment) {
    if (configured(environment, EmbeddedServices.REDIS_URL)) {
      return true;
    }
    List<String> nodes =
        Binder.get(environment)
            .bind(REDIS_CLUSTER_NODES, Bindable.listOf(String.class))
            .orElse(List.of());
    if (nodes.stream().anyMatch(StringUtils::hasText)) {
      log.info("{} is configured: no embedded Redis started", REDIS_CLUSTER_NODES);
      return true;
    }
    return false;
  }

  private static boolean configured(ConfigurableEnvironment environment, String key) {
    if (StringUtils.hasText(environment.getProperty(key))) {
      log.info("{} is configured: no embedded stand-in started", key);
      return true;
    }
    return false;
  }

  private synchronized void stop() {
    if (services != null) {
      services.close();
      services = null;
    }
  }
}
