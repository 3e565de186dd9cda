package dev.tollgate.gateway.ratelimit;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.VerboseResult;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * Requests and tokens per minute for each API key, counted in Redis so that every gateway instance
 * sees the same buckets. Each limit is a Bucket4j token bucket of the limit's size that refills
 * greedily over a minute: a full minute's allowance may be used in a burst, and then comes back
 * steadily. Buckets live under {@code <prefix>:rl:{<keyId>}:rpm} and {@code :tpm} and expire once
 * they have been full (idle) for a while.
 *
 * <p>Everything is asynchronous (Bucket4j's compare-and-swap over Lettuce's async API); nothing
 * here blocks. A limit that changes for a key takes effect from the next check on (the bucket's
 * configuration is replaced, keeping the share already used).
 */
public final class RateLimiter {

  /** Keys as strings, bucket state as bytes: what {@link #RateLimiter} needs its connection in. */
  public static final RedisCodec<String, byte[]> CODEC =
      RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

  private static final Duration WINDOW = Duration.ofMinutes(1);

  /** A full bucket is the same as no bucket: drop it from Redis shortly after it refilled. */
  private static final Duration KEEP_FULL_BUCKET = Duration.ofSeconds(10);

  private final AsyncProxyManager<String> buckets;
  private final String prefix;

  /**
   * @param connection a connection in {@link #CODEC}; shared, not closed here
   * @param prefix the Redis key prefix, like billing's
   */
  public RateLimiter(StatefulRedisConnection<String, byte[]> connection, String prefix) {
    Objects.requireNonNull(connection, "connection");
    this.prefix = Objects.requireNonNull(prefix, "prefix");
    this.buckets =
        Bucket4jLettuce.casBasedBuilder(connection)
            .expirationAfterWrite(
                ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(KEEP_FULL_BUCKET))
            .build()
            .asAsync();
  }

  /** One request against the key's requests-per-minute bucket of size {@code rpm}. */
  public Mono<Decision> request(String keyId, int rpm) {
    return Mono.defer(() -> consume(bucketKey(keyId, LimitKind.REQUESTS), positive("rpm", rpm), 1));
  }

  /**
   * Takes {@code tokens} from the key's tokens-per-minute bucket of size {@code tpm}, or refuses.
   * Callers check with an estimate before the upstream call and settle the difference with {@link
   * #addTokens} once the real usage is known. A request of more than {@code tpm} tokens is always
   * refused (its {@code retryAfter} is the window: retrying does not help).
   */
  public Mono<Decision> tokens(String keyId, long tpm, long tokens) {
    return Mono.defer(
        () -> {
          if (tokens < 0) {
            throw new IllegalArgumentException("tokens: " + tokens + " (expected: >= 0)");
          }
          return consume(bucketKey(keyId, LimitKind.TOKENS), positive("tpm", tpm), tokens);
        });
  }

  /**
   * Settles the difference between the estimate checked with {@link #tokens} and the real usage,
   * never refusing: positive {@code tokens} are taken even if that leaves the bucket in debt (later
   * checks wait until it is paid back); negative ones are given back (up to the bucket's size).
   */
  public Mono<Void> addTokens(String keyId, long tpm, long tokens) {
    return Mono.defer(
        () -> {
          AsyncBucketProxy bucket =
              bucket(bucketKey(keyId, LimitKind.TOKENS), positive("tpm", tpm));
          if (tokens == 0) {
            return Mono.empty();
          }
          return tokens > 0
              ? Mono.fromFuture(() -> bucket.consumeIgnoringRateLimits(tokens)).then()
              : Mono.fromFuture(() -> bucket.addTokens(-tokens));
        });
  }

  /**
   * {@code <prefix>:rl:{<keyId>}:rpm} or {@code :tpm}; the braces keep one key's buckets on one
   * slot.
   */
  String bucketKey(String keyId, LimitKind kind) {
    Objects.requireNonNull(keyId, "keyId");
    return prefix + ":rl:{" + keyId + "}:" + kind.abbreviation().toLowerCase(Locale.ROOT);
  }

  private Mono<Decision> consume(String key, long limit, long amount) {
    AsyncBucketProxy bucket = bucket(key, limit);
    return Mono.fromFuture(() -> bucket.asVerbose().tryConsumeAndReturnRemaining(amount))
        .flatMap(
            result -> {
              long capacity = capacity(result);
              Decision decision = decision(capacity, amount, result.getValue());
              if (capacity == limit) {
                return Mono.just(decision);
              }
              // The key's limit changed since the bucket was made: this check ran against the old
              // one (it is already counted), the next ones run against the new one.
              return Mono.fromFuture(
                      () ->
                          bucket.replaceConfiguration(
                              perMinute(limit), TokensInheritanceStrategy.PROPORTIONALLY))
                  .thenReturn(decision);
            });
  }

  private AsyncBucketProxy bucket(String key, long limit) {
    return buckets.builder().build(key, perMinute(limit));
  }

  private static BucketConfiguration perMinute(long limit) {
    return BucketConfiguration.builder()
        .addLimit(bandwidth -> bandwidth.capacity(limit).refillGreedy(limit, WINDOW))
        .build();
  }

  private static long capacity(VerboseResult<ConsumptionProbe> result) {
    return result.getConfiguration().getBandwidths()[0].getCapacity();
  }

  private static Decision decision(long limit, long amount, ConsumptionProbe probe) {
    Duration resetAfter = waitOf(probe.getNanosToWaitForReset());
    if (probe.isConsumed()) {
      return new Decision(true, limit, probe.getRemainingTokens(), resetAfter, Duration.ZERO);
    }
    Duration retryAfter = amount > limit ? WINDOW : waitOf(probe.getNanosToWaitForRefill());
    return new Decision(false, limit, probe.getRemainingTokens(), resetAfter, retryAfter);
  }

  /**
   * Bucket4j answers "never" with {@code Long.MAX_VALUE} (more asked than the bucket holds): report
   * the window rather than centuries.
   */
  private static Duration waitOf(long nanos) {
    return nanos == Long.MAX_VALUE ? WINDOW : Duration.ofNanos(nanos);
  }

  private static long positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
    }
    return value;
  }
}
