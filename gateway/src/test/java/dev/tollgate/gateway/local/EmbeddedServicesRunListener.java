package dev.tollgate.gateway.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringApplicationRunListener;
import org.springframework.boot.bootstrap.ConfigurableBootstrapContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.StringUtils;

/**
 * Starts the embedded services once the environment is prepared, before any bean exists: at that
 * point every property source (command line, system properties, environment variables, config
 * files) has been read, so a Redis or PostgreSQL the user configured is seen and its embedded
 * stand-in not started. Runs on the {@code main} thread, never on an event loop.
 *
 * <p>The services are stopped by a Spring Boot shutdown handler, which runs after the application
 * context has closed (Ctrl-C, SIGTERM), or at once when start-up fails.
 */
final class EmbeddedServicesRunListener implements SpringApplicationRunListener {

  static final String PROPERTY_SOURCE = "tollgateEmbeddedServices";

  private static final Logger log = LoggerFactory.getLogger(EmbeddedServicesRunListener.class);

  private final Path directory;
  private @Nullable EmbeddedServices services;

  EmbeddedServicesRunListener(Path directory) {
    this.directory = directory;
  }

  @Override
  public void environmentPrepared(
      ConfigurableBootstrapContext bootstrapContext, ConfigurableEnvironment environment) {
    boolean redis = !configured(environment, EmbeddedServices.REDIS_URL);
    boolean postgres = !configured(environment, EmbeddedServices.R2DBC_URL);
    if (!redis && !postgres) {
      return;
    }
    try {
      services = EmbeddedServices.start(directory, redis, postgres);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not start the embedded services", e);
    }
    SpringApplication.getShutdownHandlers().add(this::stop);
    // First: when the launcher runs the server, its connection settings are the ones that work.
    environment
        .getPropertySources()
        .addFirst(new MapPropertySource(PROPERTY_SOURCE, services.properties()));
  }

  private static boolean configured(ConfigurableEnvironment environment, String key) {
    String value = environment.getProperty(key);
    if (StringUtils.hasText(value)) {
      log.info("{} is configured: no embedded stand-in started", key);
      return true;
    }
    return false;
  }

  @Override
  public void failed(@Nullable ConfigurableApplicationContext context, Throwable exception) {
    stop();
  }

  private synchronized void stop() {
    if (services != null) {
      services.close();
      services = null;
    }
  }
}
