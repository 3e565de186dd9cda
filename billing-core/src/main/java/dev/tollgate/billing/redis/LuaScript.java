package dev.tollgate.billing.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.reactive.RedisScriptingReactiveCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One Lua script from {@code scripts/<name>.lua} on the class path, called by its SHA-1. The SHA is
 * computed locally (it is what {@code SCRIPT LOAD} answers), so a call needs no start-up round
 * trip; when the server does not know the script ({@code NOSCRIPT}: restarted, failed over, {@code
 * SCRIPT FLUSH}) it is loaded and the call retried once. Scripts return flat arrays of integers.
 *
 * <p>Works on one server and on Redis Cluster alike: {@code EVALSHA} goes to the node owning its
 * keys' slot (all keys of a call share one slot), and Lettuce's cluster client sends {@code SCRIPT
 * LOAD} to every master, so the retry after {@code NOSCRIPT} finds the script wherever it runs.
 *
 * <p>The one way every Lua script of the project is called: billing's (each wrapped by its {@code
 * ...Script} class behind {@link HoldStore}) and the gateway's rate limits alike.
 */
public final class LuaScript {

  private static final Logger log = LoggerFactory.getLogger(LuaScript.class);

  private final String name;
  private final String source;
  private final String sha;

  private LuaScript(String name, String source) {
    this.name = name;
    this.source = source;
    this.sha = sha1(source);
  }

  /**
   * Reads {@code scripts/<name>.lua} from the class path (this module's or the application's).
   * Blocking class-path I/O: call it while wiring, not on an event loop.
   */
  public static LuaScript fromResource(String name) {
    Objects.requireNonNull(name, "name");
    String path = "scripts/" + name + ".lua";
    try (InputStream in = LuaScript.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("Lua script not on the class path: " + path);
      }
      return new LuaScript(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + path, e);
    }
  }

  public String name() {
    return name;
  }

  public String sha() {
    return sha;
  }

  /** {@code SCRIPT LOAD}s the script, checking the server's SHA against the local one. */
  public Mono<String> load(RedisScriptingReactiveCommands<String, String> redis) {
    return redis
        .scriptLoad(source)
        .map(
            serverSha -> {
              if (!serverSha.equalsIgnoreCase(sha)) {
                throw new IllegalStateException(
                    "script " + name + ": server SHA " + serverSha + " (expected: " + sha + ")");
              }
              return serverSha;
            });
  }

  /**
   * Runs the script; on {@code NOSCRIPT} loads it and runs it once more. Emits the reply's integers
   * in order (never empty).
   */
  public Mono<List<Long>> run(
      RedisScriptingReactiveCommands<String, String> redis, String[] keys, String... args) {
    return call(redis, keys, args)
        .onErrorResume(
            RedisNoScriptException.class,
            e -> {
              log.info("Redis does not know script {} ({}): loading it", name, sha);
              return load(redis).then(call(redis, keys, args));
            });
  }

  private Mono<List<Long>> call(
      RedisScriptingReactiveCommands<String, String> redis, String[] keys, String[] args) {
    return Flux.defer(() -> redis.evalsha(sha, ScriptOutputType.MULTI, keys, args))
        .collectList()
        .map(this::toLongs);
  }

  private List<Long> toLongs(List<Object> reply) {
    // Lettuce emits the elements of a MULTI reply one by one; unwrap a nested list defensively.
    List<Long> out = new ArrayList<>(reply.size());
    for (Object element : reply) {
      if (element instanceof List<?> nested) {
        nested.forEach(e -> out.add(asLong(e)));
      } else {
        out.add(asLong(element));
      }
    }
    if (out.isEmpty()) {
      throw new IllegalStateException("script " + name + " returned an empty reply");
    }
    return out;
  }

  private long asLong(Object element) {
    if (element instanceof Long value) {
      return value;
    }
    throw new IllegalStateException(
        "script " + name + " returned " + element + " (expected: integers only)");
  }

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
