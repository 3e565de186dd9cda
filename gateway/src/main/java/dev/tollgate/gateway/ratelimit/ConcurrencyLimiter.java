package dev.tollgate.gateway.ratelimit;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * At most so many concurrent streams per API key, across every gateway instance. Each stream holds
 * a lease in a Redis sorted set ({@code <prefix>:rl:{<keyId>}:streams}, request ids scored by lease
 * expiry); {@link #release} gives it back. A lease whose holder vanished (a gateway that crashed
 * mid-stream) ends by itself after the lease time, so it blocks nobody for ever; a stream that runs
 * longer than that keeps its slot by calling {@link #acquire} again with its request id.
 */
public final class ConcurrencyLimiter {

  private static final String SCRIPT_PATH = "scripts/concurrency_acquire.lua";

  private final RedisClusterReactiveCommands<String, String> redis;
  private final String prefix;
  private final Duration lease;
  private final String script;
  private final String sha;

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
    this.script = readScript();
    this.sha = sha1(script);
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
    return run(keys, args).map(reply -> reply.get(0) == 1L);
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

  /** By SHA; when Redis does not know the script (restarted, flushed) by its source, once. */
  private Mono<List<Long>> run(String[] keys, String[] args) {
    return Flux.defer(() -> redis.<Object>evalsha(sha, ScriptOutputType.MULTI, keys, args))
        .onErrorResume(
            RedisNoScriptException.class,
            e -> redis.<Object>eval(script, ScriptOutputType.MULTI, keys, args))
        .collectList()
        .map(ConcurrencyLimiter::integers);
  }

  /** Lettuce may emit the array whole or element by element: accept both. */
  private static List<Long> integers(List<Object> reply) {
    List<Object> elements =
        reply.size() == 1 && reply.get(0) instanceof List<?> nested ? List.copyOf(nested) : reply;
    if (elements.size() != 2
        || !(elements.get(0) instanceof Long)
        || !(elements.get(1) instanceof Long)) {
      throw new IllegalStateException(
          SCRIPT_PATH + " returned " + reply + " (expected: [acquired, used])");
    }
    return List.of((Long) elements.get(0), (Long) elements.get(1));
  }

  private static String readScript() {
    try (InputStream in =
        ConcurrencyLimiter.class.getClassLoader().getResourceAsStream(SCRIPT_PATH)) {
      if (in == null) {
        throw new IllegalStateException("Lua script not on the class path: " + SCRIPT_PATH);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + SCRIPT_PATH, e);
    }
  }

  /** What {@code SCRIPT LOAD} would answer, computed here to save a round trip. */
  private static String sha1(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is missing from this JVM", e);
    }
  }
}
