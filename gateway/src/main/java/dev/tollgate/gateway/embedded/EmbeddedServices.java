package dev.tollgate.gateway.embedded;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedded Redis and/or an embedded PostgreSQL, each a child process on a free port of this
 * machine with its files under one directory (kept from one run to the next), and the Spring
 * properties that point the gateway at them. One running gateway per directory: a second one fails
 * at start-up. {@link #close()} stops both and returns once their processes have exited.
 */
public final class EmbeddedServices implements AutoCloseable {

  static final String REDIS_URL = "spring.data.redis.url";
  static final String R2DBC_URL = "spring.r2dbc.url";

  private static final Logger log = LoggerFactory.getLogger(EmbeddedServices.class);

  private final DirectoryLock lock;
  private final @Nullable LocalRedis redis;
  private final @Nullable LocalPostgres postgres;

  private EmbeddedServices(
      DirectoryLock lock, @Nullable LocalRedis redis, @Nullable LocalPostgres postgres) {
    this.lock = lock;
    this.redis = redis;
    this.postgres = postgres;
  }

  /**
   * Starts the services asked for, with their files under {@code directory}. If one fails to start,
   * the other is stopped before the exception propagates.
   */
  public static EmbeddedServices start(Path directory, boolean redis, boolean postgres)
      throws IOException {
    Objects.requireNonNull(directory, "directory");
    DirectoryLock lock = DirectoryLock.acquire(directory.toAbsolutePath().normalize());
    LocalRedis startedRedis = null;
    try {
      if (redis) {
        startedRedis = LocalRedis.start(directory);
        log.info(
            "Embedded Redis up on 127.0.0.1:{} (pid {}, data in {})",
            startedRedis.port(),
            startedRedis.process().pid(),
            startedRedis.directory());
      }
      LocalPostgres startedPostgres = null;
      if (postgres) {
        startedPostgres = LocalPostgres.start(directory);
        log.info(
            "Embedded PostgreSQL up on 127.0.0.1:{} (user postgres, database postgres, data in {})",
            startedPostgres.port(),
            startedPostgres.dataDirectory());
      }
      return new EmbeddedServices(lock, startedRedis, startedPostgres);
    } catch (IOException | RuntimeException e) {
      if (startedRedis != null) {
        startedRedis.close();
      }
      lock.close();
      throw e;
    }
  }

  /** Spring properties that point the gateway at the services started. */
  public Map<String, Object> properties() {
    Map<String, Object> properties = new LinkedHashMap<>();
    if (redis != null) {
      properties.put(REDIS_URL, redis.url());
    }
    if (postgres != null) {
      properties.put(R2DBC_URL, postgres.r2dbcUrl());
      properties.put("spring.r2dbc.username", "postgres");
      properties.put("spring.r2dbc.password", "");
    }
    return properties;
  }

  Optional<LocalRedis> redis() {
    return Optional.ofNullable(redis);
  }

  Optional<LocalPostgres> postgres() {
    return Optional.ofNullable(postgres);
  }

  /** Stops both services; a failure to stop one is logged and does not keep the other running. */
  @Override
  public void close() {
    if (postgres != null) {
      try {
        postgres.close();
        log.info("Embedded PostgreSQL on port {} stopped", postgres.port());
      } catch (RuntimeException e) {
        log.error("Could not stop the embedded PostgreSQL on port {}", postgres.port(), e);
      }
    }
    if (redis != null) {
      redis.close();
      log.info("Embedded Redis on port {} stopped", redis.port());
    }
    lock.close();
  }
}
