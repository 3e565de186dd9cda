package dev.tollgate.gateway.ratelimit;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.VerboseResult;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.bucket4j.redis.lettuce.RedisApi;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
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

  private static final Duration WINDOW = Duration.ofMinutes(1);

  /** A full bucket is the same as no bucket: drop it from Redis shortly after it refilled. */
  private static final Duration KEEP_FULL_BUCKET = Duration.ofSeconds(10);

  private final AsyncProxyManager<String> buckets;
  private final String prefix;

  /**
   * @param redis commands with string keys and byte values, of one server's connection or a
   *     cluster's (each bucket is one key, so its script runs on the master owning it)
   * @param prefix the Redis key prefix, like billing's
   */
  public RateLimiter(RedisClusterAsyncCommands<String, byte[]> redis, String prefix) {
    this(redis, prefix, null);
  }

  /**
   * @param clock the time the buckets refill by; {@code null} for Bucket4j's default, the wall
   *     clock in milliseconds, which every instance shares. Tests pass a clock they move by hand,
   *     so that what a bucket holds does not depend on how fast the test runs.
   */
  RateLimiter(
      RedisClusterAsyncCommands<String, byte[]> redis, String prefix, @Nullable TimeMeter clock) {
    Objects.requireNonNull(redis, "redis");
    this.prefix = Objects.requireNonNull(prefix, "prefix");
    var builder =
        new Bucket4jLettuce.LettuceBasedProxyManagerBuilder<>(redisApi(redis))
            .expirationAfterWrite(
                ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                    KEEP_FULL_BUCKET));
    if (clock != null) {
      builder.clientClock(clock);
    }
    this.buckets = builder.build().asAsync();
  }

  /**
   * Bucket4j's view of Redis over the commands a standalone and a cluster connection share (its own
   * factories take one or the other). Generic in the key type because Bucket4j passes the keys in
   * an {@code Object[]}.
   */
  private static <K> RedisApi<K> redisApi(RedisClusterAsyncCommands<K, byte[]> redis) {
    return new RedisApi<>() {
      @Override
      public <V> RedisFuture<V> eval(
          String script, ScriptOutputType type, K[] keys, byte[][] args) {
        return redis.eval(script, type, keys, args);
      }

      @Override
      public RedisFuture<byte[]> get(K key) {
        return redis.get(key);
      }

      @Override
      public RedisFuture<?> delete(K key) {
        return redis.del(key);
      }
    };
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
