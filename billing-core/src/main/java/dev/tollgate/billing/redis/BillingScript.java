package dev.tollgate.billing.redis;

import io.lettuce.core.api.reactive.RedisScriptingReactiveCommands;
import java.util.List;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * One billing Lua script as Java sees it: a record of arguments in, the script's {@code KEYS} and
 * {@code ARGV} encoded from it, a typed answer out of the integer reply. A subclass is the only
 * place that knows its script's header; the connection is the caller's ({@link HoldStore}'s).
 *
 * @param <A> the arguments, a record checked when it is made
 * @param <R> what the reply means
 */
abstract class BillingScript<A, R> {

  private final LuaScript script;

  /** Where the script's keys are. */
  final BillingKeys keys;

  /** Reads {@code scripts/<name>.lua}: construct while wiring, not on an event loop. */
  BillingScript(String name, BillingKeys keys) {
    this.script = LuaScript.fromResource(name);
    this.keys = Objects.requireNonNull(keys, "keys");
  }

  final LuaScript script() {
    return script;
  }

  /**
   * Runs the script with {@code args}. The keys and arguments are encoded when the answer is
   * subscribed to, so that what they read (a clock) is read then.
   */
  final Mono<R> run(RedisScriptingReactiveCommands<String, String> redis, A args) {
    Objects.requireNonNull(args, "args");
    return Mono.defer(() -> script.run(redis, keys(args), argv(args))).map(this::answer);
  }

  /** {@code KEYS}, in the order of the script's header; all in one hash slot. */
  abstract String[] keys(A args);

  /** {@code ARGV}, in the order of the script's header. */
  abstract String[] argv(A args);

  /** What the reply means; {@link #unexpected} for a reply the header does not list. */
  abstract R answer(List<Long> reply);

  /** The keys of reserve and extend: account hash, hold hash, the bucket's holds index. */
  final String[] holdKeys(String accountId, String requestId) {
    return new String[] {
      keys.account(accountId), keys.hold(accountId, requestId), keys.holds(keys.bucketOf(accountId))
    };
  }

  final IllegalStateException unexpected(List<Long> reply) {
    return new IllegalStateException("script " + script.name() + " returned " + reply);
  }
}
