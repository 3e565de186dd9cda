package dev.tollgate.billing.ledger;

import dev.tollgate.billing.redis.BillingKeys;
import io.lettuce.core.Consumer;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAutoClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.reactive.RedisStreamReactiveCommands;
import io.lettuce.core.models.stream.ClaimedMessages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Moves settled charges from the Redis outbox streams to PostgreSQL. Every gateway instance runs
 * one, as one consumer (named by its instance id) of the consumer group {@value #GROUP} on every
 * bucket's stream.
 *
 * <p>Per bucket it first re-reads its own pending entries (read before, not acknowledged), then new
 * ones; writes each batch with {@link LedgerWriter} in one transaction; and only then acknowledges
 * the entries and deletes them from the stream ({@code XACK}, then {@code XDEL}, so the streams
 * stay short; the outbox has this one consumer group, so an acknowledged entry is of no further
 * use). A crash between commit and acknowledgement replays the batch, which the writer ignores.
 * When PostgreSQL (or Redis) fails nothing is acknowledged: the failure is logged once per outage,
 * and the flusher retries after a back-off. Entries left pending by a consumer that died are
 * claimed ({@code XAUTOCLAIM}) once idle for long enough.
 *
 * <p>On Redis Cluster the bucket streams are spread over the masters by their hash tags; every
 * command here names one stream, so with a cluster connection each goes to the master that owns
 * that bucket, and one flusher consumes the streams of every node.
 *
 * <p>The loop ({@link #start()}) never blocks: it waits with {@code Mono.delay} on Reactor's
 * parallel scheduler and does its I/O on the Redis and R2DBC event loops.
 */
public final class OutboxFlusher {

  /** The consumer group shared by all gateway instances. */
  public static final String GROUP = "ledger";

  private static final Logger log = LoggerFactory.getLogger(OutboxFlusher.class);

  private final RedisStreamReactiveCommands<String, String> redis;
  private final BillingKeys keys;
  private final LedgerWriter writer;
  private final Consumer<String> consumer;
  private final Settings settings;

  /** Per bucket: 1 while this consumer may have pending entries there (re-read those first). */
  private final AtomicIntegerArray mayHavePending;

  private final AtomicLong failedRounds = new AtomicLong();
  private final AtomicReference<@Nullable Disposable> running = new AtomicReference<>();
  private volatile boolean groupsReady;
  private volatile long nextClaimAtNanos = System.nanoTime();

  /**
   * @param consumerName this instance's id; must be stable only for the life of the process
   */
  public OutboxFlusher(
      RedisStreamReactiveCommands<String, String> redis,
      BillingKeys keys,
      LedgerWriter writer,
      String consumerName,
      Settings settings) {
    this.redis = Objects.requireNonNull(redis, "redis");
    this.keys = Objects.requireNonNull(keys, "keys");
    this.writer = Objects.requireNonNull(writer, "writer");
    Objects.requireNonNull(consumerName, "consumerName");
    if (consumerName.isBlank()) {
      throw new IllegalArgumentException("consumerName: '' (expected: non-blank)");
    }
    this.consumer = Consumer.from(GROUP, consumerName);
    this.settings = Objects.requireNonNull(settings, "settings");
    this.mayHavePending = new AtomicIntegerArray(keys.buckets());
    markAllPending();
  }

  /**
   * Starts the flush loop: claim what dead consumers left (when due), drain every bucket, wait
   * {@link Settings#idlePoll()} (or {@link Settings#retryBackoff()} after a failure), repeat.
   *
   * @return stops the loop when disposed, as {@link #stop()} does
   * @throws IllegalStateException when already started
   */
  public Disposable start() {
    Disposable loop =
        Mono.defer(this::round)
            .repeat()
            .subscribe(
                ignored -> {},
                error -> log.error("Ledger flush loop stopped by an unexpected error", error));
    if (!running.compareAndSet(null, loop)) {
      loop.dispose();
      throw new IllegalStateException("OutboxFlusher " + consumer.getName() + ": already started");
    }
    return this::stop;
  }

  /**
   * Stops the loop. A batch in flight is abandoned: its transaction rolls back or, if it had
   * committed, its entries stay pending and are replayed harmlessly later, by the next {@link
   * #flushOnce} too (a shutdown's last flush missed them when it read only new entries).
   */
  public void stop() {
    Disposable loop = running.getAndSet(null);
    if (loop != null) {
      loop.dispose();
      markAllPending();
    }
  }

  /**
   * Drains once what is readable now: on every bucket, this consumer's pending entries, then new
   * ones until a read returns less than a full batch. Buckets are drained independently; when some
   * fail, the others are still written and the returned {@code Mono} fails at the end. Meant for
   * tests and shutdown; do not run it alongside {@link #start()}'s loop (harmless, but wasteful:
   * both would write the same entries).
   *
   * @return how many outbox entries were written (or found already written) and acknowledged
   */
  public Mono<Integer> flushOnce() {
    return ensureGroups()
        .then(
            Flux.range(0, keys.buckets())
                .flatMapDelayError(this::drain, settings.concurrency(), 1)
                .reduce(0, Integer::sum));
  }

  /**
   * Claims, on every bucket, the entries pending for longer than {@link Settings#claimMinIdle()} on
   * any consumer of the group, dead ones in particular. They are written by the next flush.
   *
   * @return how many entries were claimed
   */
  public Mono<Integer> claimOnce() {
    return ensureGroups()
        .then(Flux.range(0, keys.buckets()).concatMap(this::claim).reduce(0, Integer::sum));
  }

  private Mono<Void> round() {
    return Mono.defer(() -> claimIfDue().then(flushOnce()))
        .map(
            written -> {
              long failed = failedRounds.getAndSet(0);
              if (failed > 0) {
                log.info(
                    "Ledger flush recovered after {} failed attempt(s); {} outbox entries written",
                    failed,
                    written);
              }
              return settings.idlePoll();
            })
        .onErrorResume(
            error -> {
              markAllPending();
              if (failedRounds.getAndIncrement() == 0) {
                log.warn(
                    "Ledger flush failing; settled charges stay in the Redis outbox, unacknowledged,"
                        + " and are retried every {}: {}",
                    settings.retryBackoff(),
                    describe(error));
              } else {
                log.debug("Ledger flush still failing: {}", describe(error));
              }
              return Mono.just(settings.retryBackoff());
            })
        .flatMap(Mono::delay)
        .then();
  }

  private Mono<Void> claimIfDue() {
    long now = System.nanoTime();
    if (now - nextClaimAtNanos < 0) {
      return Mono.empty();
    }
    nextClaimAtNanos = now + settings.claimInterval().toNanos();
    return claimOnce()
        .doOnNext(
            claimed -> {
              if (claimed > 0) {
                log.info("Claimed {} outbox entries left pending by other consumers", claimed);
              }
            })
        .then();
  }

  private Mono<Integer> drain(int bucket) {
    return step(bucket)
        .expand(step -> step.more() ? step(bucket) : Mono.empty())
        .reduce(0, (sum, step) -> sum + step.acknowledged());
  }

  private record Step(int acknowledged, boolean more) {}

  /** Reads and writes one batch of a bucket: pending entries if there may be any, else new ones. */
  private Mono<Step> step(int bucket) {
    Mono<Step> fresh =
        read(bucket, ">")
            .flatMap(
                batch ->
                    batch.isEmpty()
                        ? Mono.just(new Step(0, false))
                        : write(bucket, batch)
                            .map(n -> new Step(n, batch.size() >= settings.batchSize())));
    Mono<Step> step;
    if (mayHavePending.get(bucket) == 0) {
      step = fresh;
    } else {
      step =
          read(bucket, "0")
              .flatMap(
                  pending -> {
                    if (pending.isEmpty()) {
                      mayHavePending.set(bucket, 0);
                      return fresh;
                    }
                    return write(bucket, pending).map(n -> new Step(n, true));
                  });
    }
    return step.doOnError(
        error -> {
          mayHavePending.set(bucket, 1);
          if (String.valueOf(error.getMessage()).startsWith("NOGROUP")) {
            groupsReady = false; // the stream was deleted: create the group again next time
          }
        });
  }

  private Mono<List<StreamMessage<String, String>>> read(int bucket, String offset) {
    return redis
        .xreadgroup(
            consumer,
            XReadArgs.Builder.count(settings.batchSize()),
            StreamOffset.from(keys.outbox(bucket), offset))
        .collectList();
  }

  /** Writes a batch to PostgreSQL and, once committed, acknowledges and deletes its entries. */
  private Mono<Integer> write(int bucket, List<StreamMessage<String, String>> batch) {
    List<SettledCharge> charges = new ArrayList<>(batch.size());
    String[] ids = new String[batch.size()];
    for (int i = 0; i < ids.length; i++) {
      StreamMessage<String, String> message = batch.get(i);
      ids[i] = message.getId();
      Map<String, String> body = message.getBody();
      if (body == null || body.isEmpty()) {
        // Pending but deleted from the stream: nothing left to write, only to acknowledge.
        log.warn("Outbox entry {} of bucket {} was deleted before it was written", ids[i], bucket);
        continue;
      }
      try {
        charges.add(OutboxEntryDecoder.decode(message.getId(), body));
      } catch (IllegalArgumentException e) {
        return Mono.error(e);
      }
    }
    String stream = keys.outbox(bucket);
    return writer
        .write(charges)
        .then(redis.xack(stream, GROUP, ids))
        .then(redis.xdel(stream, ids))
        .thenReturn(ids.length);
  }

  private Mono<Integer> claim(int bucket) {
    return claimPage(bucket, "0-0")
        .expand(page -> "0-0".equals(page.getId()) ? Mono.empty() : claimPage(bucket, page.getId()))
        .reduce(0, (sum, page) -> sum + page.getMessages().size())
        .doOnNext(
            claimed -> {
              if (claimed > 0) {
                mayHavePending.set(bucket, 1);
              }
            });
  }

  private Mono<ClaimedMessages<String, String>> claimPage(int bucket, String start) {
    return redis.xautoclaim(
        keys.outbox(bucket),
        XAutoClaimArgs.Builder.<String>xautoclaim(consumer, settings.claimMinIdle(), start)
            .count(settings.batchSize())
            .justid());
  }

  /** Creates the group on every bucket stream (and the stream), from the stream's beginning. */
  private Mono<Void> ensureGroups() {
    if (groupsReady) {
      return Mono.empty();
    }
    return Flux.range(0, keys.buckets())
        .concatMap(
            bucket ->
                redis
                    .xgroupCreate(
                        StreamOffset.from(keys.outbox(bucket), "0"),
                        GROUP,
                        XGroupCreateArgs.Builder.mkstream())
                    .onErrorResume(
                        error -> String.valueOf(error.getMessage()).startsWith("BUSYGROUP"),
                        error -> Mono.just("exists")))
        .then(Mono.fromRunnable(() -> groupsReady = true));
  }

  /** The failure in one line: the failing buckets' errors, without stack traces. */
  private static String describe(Throwable error) {
    List<Throwable> errors = Exceptions.unwrapMultiple(error);
    return errors.size() == 1
        ? errors.get(0).toString()
        : errors.size() + " bucket(s) failed, first: " + errors.get(0);
  }

  private void markAllPending() {
    for (int i = 0; i < mayHavePending.length(); i++) {
      mayHavePending.set(i, 1);
    }
  }

  /**
   * How the flusher paces itself.
   *
   * @param batchSize entries per read and per transaction (default 500)
   * @param idlePoll the pause between two rounds (default 100 ms)
   * @param retryBackoff the pause after a failed round (default 1 s)
   * @param claimMinIdle how long another consumer's entry must have been pending, unread, before it
   *     is claimed (default 60 s); a live consumer re-reads its pending entries far more often
   * @param claimInterval how often to look for such entries (default 30 s)
   * @param concurrency how many buckets are flushed at once (default 4); buckets hold disjoint
   *     accounts, so their transactions do not contend
   */
  public record Settings(
      int batchSize,
      Duration idlePoll,
      Duration retryBackoff,
      Duration claimMinIdle,
      Duration claimInterval,
      int concurrency) {

    public Settings {
      Objects.requireNonNull(idlePoll, "idlePoll");
      Objects.requireNonNull(retryBackoff, "retryBackoff");
      Objects.requireNonNull(claimMinIdle, "claimMinIdle");
      Objects.requireNonNull(claimInterval, "claimInterval");
      if (batchSize <= 0) {
        throw new IllegalArgumentException("batchSize: " + batchSize + " (expected: > 0)");
      }
      requirePositive("idlePoll", idlePoll);
      requirePositive("retryBackoff", retryBackoff);
      requirePositive("claimInterval", claimInterval);
      if (claimMinIdle.isNegative()) {
        throw new IllegalArgumentException("claimMinIdle: " + claimMinIdle + " (expected: >= 0)");
      }
      if (concurrency <= 0) {
        throw new IllegalArgumentException("concurrency: " + concurrency + " (expected: > 0)");
      }
    }

    public static Settings defaults() {
      return new Settings(
          500,
          Duration.ofMillis(100),
          Duration.ofSeconds(1),
          Duration.ofSeconds(60),
          Duration.ofSeconds(30),
          4);
    }

    private static void requirePositive(String name, Duration value) {
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
      }
    }
  }
}
