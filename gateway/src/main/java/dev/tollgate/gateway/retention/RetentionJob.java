package dev.tollgate.gateway.retention;

import dev.tollgate.billing.accounts.Retention;
import io.r2dbc.pool.ConnectionPool;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Purges usage events older than {@code gateway.retention.usage-days} every {@code interval}, in
 * bounded batches ({@link Retention}). Every instance runs it; the deletes are idempotent, so two
 * instances purging at once only share the work. A failed run is logged and retried at the next
 * tick.
 */
@Component
@ConditionalOnProperty(
    name = "gateway.billing.enabled",
    havingValue = "true",
    matchIfMissing = true)
public class RetentionJob implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(RetentionJob.class);

  private final Retention retention;
  private final RetentionProperties properties;
  private volatile @Nullable Disposable schedule;

  public RetentionJob(ConnectionPool connections, RetentionProperties properties) {
    this.retention = new Retention(Objects.requireNonNull(connections, "connections"));
    this.properties = Objects.requireNonNull(properties, "properties");
  }

  /** Deletes what is older than the retention now; answers how many usage events. */
  public Mono<Long> purgeOnce() {
    Instant cutoff = Instant.now().minus(Duration.ofDays(properties.usageDays()));
    return retention
        .purgeUsageOlderThan(cutoff)
        .doOnNext(
            deleted -> {
              if (deleted > 0) {
                log.info(
                    "Purged {} usage events older than {} days (before {})",
                    deleted,
                    properties.usageDays(),
                    cutoff);
              }
            })
        .onErrorResume(
            e -> {
              log.warn(
                  "Purging old usage events failed; will try again in {}",
                  properties.interval(),
                  e);
              return Mono.just(0L);
            });
  }

  @Override
  public void start() {
    schedule =
        Flux.interval(properties.initialDelay(), properties.interval())
            .onBackpressureDrop()
            .concatMap(tick -> purgeOnce())
            .subscribe();
  }

  @Override
  public void stop() {
    Disposable s = schedule;
    if (s != null) {
      s.dispose();
      schedule = null;
    }
  }

  @Override
  public boolean isRunning() {
    return schedule != null;
  }
}
