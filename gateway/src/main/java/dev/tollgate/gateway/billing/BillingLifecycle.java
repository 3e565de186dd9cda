package dev.tollgate.gateway.billing;

import dev.tollgate.billing.ledger.AccountRepository;
import dev.tollgate.billing.ledger.AccountRow;
import dev.tollgate.billing.ledger.AccountStatus;
import dev.tollgate.billing.ledger.OutboxFlusher;
import dev.tollgate.billing.pricing.Nanos;
import dev.tollgate.billing.redis.HoldStore;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Starts billing's background work with the application and stops it with it: creates the demo
 * account when it is missing, runs the outbox flusher, and reaps expired holds (requests whose
 * gateway died) every {@code reaper-interval}. On stop, what is in the outbox is flushed once more.
 */
public final class BillingLifecycle implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(BillingLifecycle.class);
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);

  private final OutboxFlusher flusher;
  private final HoldStore holds;
  private final AccountRepository accounts;
  private final BillingProperties properties;
  private volatile @Nullable Disposable reaper;
  private volatile boolean running;

  public BillingLifecycle(
      OutboxFlusher flusher,
      HoldStore holds,
      AccountRepository accounts,
      BillingProperties properties) {
    this.flusher = flusher;
    this.holds = holds;
    this.accounts = accounts;
    this.properties = properties;
  }

  @Override
  public void start() {
    BillingProperties.Demo demo = properties.demo();
    long balance = Nanos.parse(demo.balance());
    try {
      // Start-up, main thread: waiting here is fine (and needed before serving requests).
      boolean created =
          accounts
              .ensure(
                  new AccountRow(
                      demo.id(), demo.name(), null, balance, 0, 0, null, 0, AccountStatus.ACTIVE))
              .toFuture()
              .get(STARTUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      if (created) {
        log.info("Created the demo account '{}' with a balance of {}", demo.id(), demo.balance());
      }
    } catch (Exception e) {
      throw new IllegalStateException("Could not create the demo account in PostgreSQL", e);
    }
    flusher.start();
    reaper =
        Flux.interval(properties.reaperInterval())
            .onBackpressureDrop()
            .concatMap(tick -> reapAll())
            .subscribe();
    running = true;
  }

  /** Settles every expired hold, bucket by bucket; returns how many. */
  public Mono<Integer> reapAll() {
    return Flux.range(0, properties.buckets())
        .concatMap(bucket -> holds.reapExpired(bucket, Instant.now(), 500))
        .reduce(0, Integer::sum)
        .doOnNext(
            n -> {
              if (n > 0) {
                log.warn("Settled {} abandoned holds at their last checkpoint", n);
              }
            })
        .onErrorResume(
            e -> {
              log.warn("Reaping expired holds failed; will try again", e);
              return Mono.just(0);
            });
  }

  @Override
  public void stop() {
    Disposable r = reaper;
    if (r != null) {
      r.dispose();
    }
    flusher.stop();
    running = false;
  }

  @Override
  public boolean isRunning() {
    return running;
  }
}
