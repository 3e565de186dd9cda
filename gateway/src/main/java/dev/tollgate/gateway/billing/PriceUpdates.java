package dev.tollgate.gateway.billing;

import dev.tollgate.billing.accounts.AuditEntry;
import dev.tollgate.billing.accounts.PriceVersions;
import dev.tollgate.billing.pricing.ModelPrice;
import dev.tollgate.billing.pricing.PriceVersion;
import dev.tollgate.gateway.redis.RedisConnections;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Keeps every instance's {@link PriceBook} on the prices in PostgreSQL: at start-up it records the
 * YAML prices as versions (a changed one is a new version) and reads the admin versions; a new
 * admin version is read here at once and announced on {@code <prefix>:prices:changed}, which makes
 * every instance read them again within a second. A message lost (Redis away) is made up for by a
 * read every {@link #RELOAD_INTERVAL}.
 */
public final class PriceUpdates implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(PriceUpdates.class);

  /** How often the admin versions are read even without a message. */
  static final Duration RELOAD_INTERVAL = Duration.ofSeconds(5);

  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);

  private final PriceBook book;
  private final PriceVersions versions;
  private final RedisConnections redis;
  private final String channel;
  private final AtomicLong reads = new AtomicLong();
  private final AtomicLong applied = new AtomicLong();
  private volatile @Nullable StatefulRedisPubSubConnection<String, String> subscription;
  private volatile @Nullable Disposable schedule;

  public PriceUpdates(
      PriceBook book, PriceVersions versions, RedisConnections redis, String redisPrefix) {
    this.book = Objects.requireNonNull(book, "book");
    this.versions = Objects.requireNonNull(versions, "versions");
    this.redis = Objects.requireNonNull(redis, "redis");
    this.channel = redisPrefix + ":prices:changed";
  }

  /**
   * Adds an admin version, applies it here and tells every instance.
   *
   * @param validFrom when it applies; now when null
   */
  public Mono<PriceVersion> set(
      ModelPrice price, @Nullable Instant validFrom, AuditEntry.Context audit) {
    ModelPrice before = book.price(price.model());
    return versions
        .add(price, validFrom, before, audit)
        .flatMap(
            added ->
                reload().then(redis.reactive().publish(channel, price.model())).thenReturn(added));
  }

  /**
   * Reads the admin versions in force again. Reads may overlap (a message and the timer): one that
   * started before the last applied one is dropped, so an older read never wins.
   */
  public Mono<Void> reload() {
    return Mono.defer(
        () -> {
          long read = reads.incrementAndGet();
          return versions
              .inForce()
              .collectList()
              .doOnNext(
                  loaded -> {
                    synchronized (this) {
                      if (read > applied.get()) {
                        book.useAdminVersions(loaded);
                        applied.set(read);
                      }
                    }
                  })
              .then();
        });
  }

  /** Start-up, main thread: waits for PostgreSQL, as the demo account does, before serving. */
  @Override
  public void start() {
    try {
      Map<String, Instant> recorded =
          Flux.fromIterable(book.configured())
              .concatMap(versions::recordConfigured)
              .collectMap(v -> v.price().model(), PriceVersion::validFrom, HashMap::new)
              .toFuture()
              .get(STARTUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      book.configuredFrom(recorded);
      reload().toFuture().get(STARTUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("Could not read the model prices from PostgreSQL", e);
    }
    StatefulRedisPubSubConnection<String, String> connection = redis.connectPubSub();
    connection.addListener(
        new RedisPubSubAdapter<>() {
          @Override
          public void message(String from, String model) {
            if (from.equals(channel)) {
              reload()
                  .subscribe(null, e -> log.warn("Reading the prices after a change failed", e));
            }
          }
        });
    connection.sync().subscribe(channel);
    subscription = connection;
    schedule =
        Flux.interval(RELOAD_INTERVAL)
            .onBackpressureDrop()
            .concatMap(
                tick ->
                    reload()
                        .onErrorResume(
                            e -> {
                              log.warn("Reading the prices failed; will try again", e);
                              return Mono.empty();
                            }))
            .subscribe();
  }

  @Override
  public void stop() {
    Disposable timer = schedule;
    schedule = null;
    if (timer != null) {
      timer.dispose();
    }
    StatefulRedisPubSubConnection<String, String> connection = subscription;
    subscription = null;
    if (connection != null) {
      connection.close();
    }
  }

  /** Before the web server's phase ({@code DEFAULT_PHASE - 1024}) starts it taking traffic. */
  @Override
  public int getPhase() {
    return DEFAULT_PHASE - 2048;
  }

  @Override
  public boolean isRunning() {
    return subscription != null;
  }
}
