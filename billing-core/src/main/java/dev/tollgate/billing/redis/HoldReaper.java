package dev.tollgate.billing.redis;

import io.lettuce.core.KeyValue;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Settles the holds whose gateway evidently died: those of a bucket's hold index ({@link
 * BillingKeys#holds}) that expired, each charged its last checkpoint with status {@code abandoned}
 * through the settle script ({@link SettleScript.Abandoned}).
 */
final class HoldReaper {

  private static final String[] HOLD_FIELDS = {"acct", "key", "model", "provider", "created_at"};

  private final RedisClusterReactiveCommands<String, String> redis;
  private final BillingKeys keys;
  private final SettleScript settle;

  HoldReaper(
      RedisClusterReactiveCommands<String, String> redis, BillingKeys keys, SettleScript settle) {
    this.redis = Objects.requireNonNull(redis, "redis");
    this.keys = Objects.requireNonNull(keys, "keys");
    this.settle = Objects.requireNonNull(settle, "settle");
  }

  /**
   * Settles up to {@code max} holds of {@code bucket} that expired by {@code now}, one after
   * another; a hold extended meanwhile is left alone. Answers how many were settled.
   *
   * <p>The expired ids are read in full before the first hold is settled. Settling from inside the
   * {@code ZRANGEBYSCORE} reply (issuing commands on the same connection while that reply is
   * consumed with bounded demand) stalled the connection: once the reply's unread elements
   * outnumbered the demand, Lettuce stopped reading the connection until more was requested, and
   * more was requested only after replies that could then never be read (issue 10,
   * ReaperStallsConnectionTest).
   */
  Mono<Integer> reapExpired(int bucket, Instant now, int max) {
    Objects.requireNonNull(now, "now");
    if (max <= 0) {
      throw new IllegalArgumentException("max: " + max + " (expected: > 0)");
    }
    String holdsKey = keys.holds(bucket);
    long nowMs = now.toEpochMilli();
    return Mono.defer(
            () ->
                redis
                    .zrangebyscore(
                        holdsKey,
                        Range.from(Range.Boundary.unbounded(), Range.Boundary.including(nowMs)),
                        Limit.create(0, max))
                    .collectList())
        .flatMapMany(Flux::fromIterable)
        .concatMap(requestId -> reapOne(bucket, requestId, nowMs))
        .filter(Boolean::booleanValue)
        .count()
        .map(Long::intValue);
  }

  private Mono<Boolean> reapOne(int bucket, String requestId, long nowMs) {
    return redis
        .hmget(keys.hold(bucket, requestId), HOLD_FIELDS)
        .filter(KeyValue::hasValue)
        .collectMap(KeyValue::getKey, KeyValue::getValue)
        .flatMap(
            hold -> {
              String accountId = hold.get("acct");
              if (accountId == null) {
                // Settled between the range query and now, or a stray index entry.
                return redis.zrem(keys.holds(bucket), requestId).thenReturn(false);
              }
              return redis
                  .hget(keys.account(accountId), "discount_ppm")
                  .defaultIfEmpty("0")
                  .map(
                      discountPpm ->
                          new SettleScript.Abandoned(
                              bucket,
                              requestId,
                              accountId,
                              hold.getOrDefault("key", ""),
                              hold.getOrDefault("model", ""),
                              hold.getOrDefault("provider", HoldStore.UNKNOWN_PROVIDER),
                              parseLong(hold.get("created_at"), nowMs),
                              discountPpm,
                              nowMs))
                  .flatMap(abandoned -> settle.run(redis, abandoned))
                  .map(Settlement::settled);
            });
  }

  private static long parseLong(@Nullable String value, long orElse) {
    return value == null ? orElse : Long.parseLong(value);
  }
}
