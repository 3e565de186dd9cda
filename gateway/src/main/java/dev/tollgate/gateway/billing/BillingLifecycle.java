package dev.tollgate.gateway.billing;

import dev.tollgate.billing.ledger.AccountRepository;
import dev.tollgate.billing.ledger.AccountRow;
import dev.tollgate.billing.ledger.AccountStatus;
import dev.tollgate.billing.ledger.OutboxFlusher;
import dev.tollgate.billing.pricing.Nanos;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.gateway.config.BillingProperties;
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
 *
 * <p>Its phase ({@link #PHASE}) is below the web server's, so that on shutdown it stops only once
 * the server has stopped taking requests and drained the running ones (Spring Boot's graceful
 * shutdown, {@code spring.lifecycle.timeout-per-shutdown-phase}): the charges those streams settled
 * are then flushed to PostgreSQL before Redis and PostgreSQL are closed. Stopping in the default
 * phase, before the drain, left them in the outbox until another instance ran.
 */
public final class BillingLifecycle implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(BillingLifecycle.class);
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);

  /**
   * Below the web server's start/stop phase ({@code DEFAULT_PHASE - 2048}) and its graceful
   * shutdown ({@code DEFAULT_PHASE - 1024}): started before the server takes requests, stopped
   * after it has drained them.
   */
  public static final int PHASE = DEFAULT_PHASE - 4096;

  /** The longest the last flush on shutdown may take; the rest is left for another instance. */
  private static final Duration LAST_FLUSH_TIMEOUT = Duration.ofSeconds(20);

  /** The longest wait on shutdown for settlements still on their way to Redis. */
  private static final Duration SETTLE_WAIT = Duration.ofSeconds(5);

  private final OutboxFlusher flusher;
  private final HoldStore holds;
  private final AccountRepository accounts;
  private final BillingProperties properties;
  private final Settlements settlements;
  private volatile @Nullable Disposable reaper;
  private volatile boolean running;

  public BillingLifecycle(
      OutboxFlusher flusher,
      HoldStore holds,
      AccountRepository accounts,
      BillingProperties properties) {
    this(flusher, holds, accounts, properties, new Settlements());
  }

  /** Waits on shutdown for {@code settlements} in flight before the last flush. */
  public BillingLifecycle(
      OutboxFlusher flusher,
      HoldStore holds,
      AccountRepository accounts,
      BillingProperties properties,
      Settlements settlements) {
    this.settlements = settlements;
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
    stopLoops();
    running = false;
  }

  /**
   * Stops the reaper and the flush loop, waits for the settlements in flight (at most {@link
   * #SETTLE_WAIT}), then flushes what the drained requests settled.
   */
  @Override
  public void stop(Runnable callback) {
    stopLoops();
    long started = System.nanoTime();
    settlements
        .idle(SETTLE_WAIT)
        .then(Mono.defer(flusher::flushOnce))
        .timeout(LAST_FLUSH_TIMEOUT)
        .doOnNext(
            written ->
                log.info(
                    "Flushed {} settled charges to PostgreSQL on shutdown in {} ms",
                    written,
                    (System.nanoTime() - started) / 1_000_000))
        .doOnError(
            e ->
                log.warn(
                    "The last flush on shutdown failed; the charges stay in the Redis outbox for"
                        + " the next instance: {}",
                    e.toString()))
        .doFinally(
            signal -> {
              running = false;
              callback.run();
            })
        .subscribe(written -> {}, e -> {});
  }

  private void stopLoops() {
    Disposable r = reaper;
    if (r != null) {
      r.dispose();
    }
    flusher.stop();
  }

  @Override
  public int getPhase() {
    return PHASE;
  }

  @Override
  public boolean isRunning() {
    return running;
  }
}
