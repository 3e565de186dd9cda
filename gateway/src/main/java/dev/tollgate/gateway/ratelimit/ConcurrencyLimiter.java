package dev.tollgate.gateway.ratelimit;

import dev.tollgate.billing.redis.LuaScript;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.time.Duration;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * At most so many concurrent streams per API key, across every gateway instance. Each stream holds
 * a lease in a Redis sorted set ({@code <prefix>:rl:{<keyId>}:streams}, request ids scored by lease
 * expiry); {@link #release} gives it back. A lease whose holder vanished (a gateway that crashed
 * mid-stream) ends by itself after the lease time, so it blocks nobody for ever; a stream that runs
 * longer than that keeps its slot by calling {@link #acquire} again with its request id.
 */
public final class ConcurrencyLimiter {

  private final RedisClusterReactiveCommands<String, String> redis;
  private final String prefix;
  private final Duration lease;
  private final LuaScript acquireScript = LuaScript.fromResource("concurrency_acquire");

  /**
   * Reads its Lua script from the class path: construct while wiring, not on an event loop.
   *
   * @param redis a standalone or cluster connection's commands (a key's leases are one key)
   * @param prefix the Redis key prefix, like billing's
   * @param lease how long a slot stays taken without {@link #release} (or renewal)
   */
  public ConcurrencyLimiter(
      RedisClusterReactiveCommands<String, String> redis, String prefix, Duration lease) {
    this.redis = Objects.requireNonNull(redis, "redis");
    this.prefix = Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(lease, "lease");
    if (lease.toMillis() <= 0) {
      throw new IllegalArgumentException("lease: " + lease + " (expected: at least 1 ms)");
    }
    this.lease = lease;
  }

  /**
   * Takes a slot for {@code requestId} if fewer than {@code max} are taken; {@code true} if it got
   * one (or already held one, whose lease is then renewed).
   */
  public Mono<Boolean> acquire(String keyId, String requestId, int max) {
    Objects.requireNonNull(requestId, "requestId");
    if (max <= 0) {
      return Mono.error(new IllegalArgumentException("max: " + max + " (expected: > 0)"));
    }
    String[] keys = {key(keyId)};
    String[] args = {requestId, Integer.toString(max), Long.toString(lease.toMillis())};
    // Replies {acquired (1/0), slots in use}.
    return acquireScript.run(redis, keys, args).map(reply -> reply.get(0) == 1L);
  }

  /** How long a slot stays taken without {@link #release} or renewal. */
  public Duration lease() {
    return lease;
  }

  /** Gives back the slot of {@code requestId}; nothing happens if it holds none. */
  public Mono<Void> release(String keyId, String requestId) {
    Objects.requireNonNull(requestId, "requestId");
    return Mono.defer(() -> redis.zrem(key(keyId), requestId)).then();
  }

  String key(String keyId) {
    Objects.requireNonNull(keyId, "keyId");
    return prefix + ":rl:{" + keyId + "}:streams";
  }
}
