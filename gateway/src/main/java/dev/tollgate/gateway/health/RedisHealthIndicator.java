package dev.tollgate.gateway.health;

import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.Objects;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import reactor.core.publisher.Mono;

/**
 * {@code redis}: a {@code PING} on billing's own connection, the one every reservation uses, that
 * must answer within {@code timeout}. While Lettuce reconnects it queues commands rather than
 * failing them, so the timeout is what turns "not answering" into DOWN.
 */
public final class RedisHealthIndicator implements ReactiveHealthIndicator {

  private final StatefulRedisConnection<String, String> connection;
  private final Duration timeout;

  public RedisHealthIndicator(
      StatefulRedisConnection<String, String> connection, Duration timeout) {
    this.connection = Objects.requireNonNull(connection, "connection");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  @Override
  public Mono<Health> health() {
    return connection
        .reactive()
        .ping()
        .timeout(timeout)
        .map(pong -> Health.up().build())
        .onErrorResume(e -> Mono.just(Health.down().withDetail("error", describe(e)).build()));
  }

  static String describe(Throwable e) {
    if (e instanceof java.util.concurrent.TimeoutException) {
      return "no answer within the health check's timeout";
    }
    return e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "");
  }
}
