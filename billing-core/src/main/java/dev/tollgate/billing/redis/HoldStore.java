package dev.tollgate.billing.redis;

import dev.tollgate.billing.redis.internal.LuaScript;
import io.lettuce.core.KeyValue;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Account funds in Redis: reservations (holds) for running requests, their extension and
 * settlement, the reaper of holds whose gateway died, credits, and loading accounts from
 * PostgreSQL. Each operation is one atomic, idempotent Lua script over the keys of one bucket (see
 * {@link BillingKeys}); settlement also writes the outbox entry that the ledger flushes to
 * PostgreSQL. Every method is non-blocking.
 *
 * <p>Amounts are nano-units. The scripts add and subtract with exact 64-bit {@code HINCRBY} but
 * compare in Lua doubles, exact up to 2^53 nano-units (about 9 million currency units) per account.
 *
 * <p>Takes the commands common to one server and Redis Cluster ({@link
 * RedisClusterReactiveCommands}: a standalone connection's {@code reactive()} and a cluster
 * connection's alike); every command and script names keys of one bucket, so on a cluster each goes
 * whole to the master owning that bucket's slot.
 */
public final class HoldStore {

  /** Status of a charge settled by the reaper. */
  public static final String STATUS_ABANDONED = "abandoned";

  /** Provider recorded for a hold reserved without one. */
  public static final String UNKNOWN_PROVIDER = "unknown";

  /** Price version recorded for a reaped charge, whose cost is the last checkpoint. */
  public static final String UNKNOWN_PRICE_VERSION = "unknown";

  /** How long a credit's marker keeps the credit from being applied twice, by default. */
  public static final Duration DEFAULT_CREDIT_MARKER_TTL = Duration.ofDays(30);

  private static final String[] ACCOUNT_FIELDS = {
    "balance", "sub_left", "held", "discount_ppm", "status"
  };
  private static final String[] REAP_FIELDS = {"acct", "key", "model", "provider", "created_at"};

  private final RedisClusterReactiveCommands<String, String> redis;
  private final BillingKeys keys;
  private final Duration creditMarkerTtl;
  private final Clock clock;
  private final LuaScript reserve = LuaScript.fromResource("reserve");
  private final LuaScript extend = LuaScript.fromResource("extend");
  private final LuaScript settle = LuaScript.fromResource("settle");
  private final LuaScript credit = LuaScript.fromResource("credit");
  private final LuaScript loadAccount = LuaScript.fromResource("load_account");
  private final LuaScript updateAccount = LuaScript.fromResource("update_account");
  private final LuaScript renewAllowance = LuaScript.fromResource("renew_allowance");

  public HoldStore(StatefulRedisConnection<String, String> connection, BillingKeys keys) {
    this(Objects.requireNonNull(connection, "connection").reactive(), keys);
  }

  public HoldStore(RedisClusterReactiveCommands<String, String> redis, BillingKeys keys) {
    this(redis, keys, DEFAULT_CREDIT_MARKER_TTL, Clock.systemUTC());
  }

  /**
   * @param creditMarkerTtl how long an applied credit's id is remembered; longer than any retry or
   *     reconciliation of a credit may take
   * @param clock the time a hold records as its request's start
   */
  public HoldStore(
      RedisClusterReactiveCommands<String, String> redis,
      BillingKeys keys,
      Duration creditMarkerTtl,
      Clock clock) {
    this.redis = Objects.requireNonNull(redis, "redis");
    this.keys = Objects.requireNonNull(keys, "keys");
    this.creditMarkerTtl = Objects.requireNonNull(creditMarkerTtl, "creditMarkerTtl");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (creditMarkerTtl.toSeconds() < 1) {
      throw new IllegalArgumentException(
          "creditMarkerTtl: " + creditMarkerTtl + " (expected: at least 1 second)");
    }
  }

  /**
   * Loads every script into Redis ({@code SCRIPT LOAD}). Optional: a call whose script the server
   * does not know loads it and retries; this only moves that round trip to start-up.
   */
  public Mono<Void> loadScripts() {
    return Flux.just(reserve, extend, settle, credit, loadAccount, updateAccount, renewAllowance)
        .concatMap(script -> script.load(redis))
        .then();
  }

  /** {@link #reserve(String, String, long, Instant, String, String, String)} without a provider. */
  public Mono<Reservation> reserve(
      String accountId,
      String requestId,
      long amount,
      Instant expiresAt,
      String keyId,
      String model) {
    return reserve(accountId, requestId, amount, expiresAt, keyId, model, UNKNOWN_PROVIDER);
  }

  /**
   * Holds {@code amount} of the account's free funds (allowance plus balance minus what is held)
   * for a request until {@code expiresAt}, when the reaper may settle it. Retrying with the same
   * request id is harmless: the existing hold is granted again.
   *
   * @param provider recorded in the hold, for the reaper's outbox entry
   */
  public Mono<Reservation> reserve(
      String accountId,
      String requestId,
      long amount,
      Instant expiresAt,
      String keyId,
      String model,
      String provider) {
    return reserve(accountId, requestId, amount, expiresAt, keyId, model, provider, null);
  }

  /**
   * Like {@link #reserve(String, String, long, Instant, String, String, String)}, and refused with
   * {@link Reservation.Outcome#SPEND_CAP_REACHED} when what the key has spent, plus what its open
   * holds hold, plus {@code amount} would pass {@code spendCapNanos}. Every key's spent and held
   * totals are kept in its account's hash (see {@link #keySpent}), whether it has a cap or not.
   *
   * @param spendCapNanos the key's lifetime spend cap, or null for none
   */
  public Mono<Reservation> reserve(
      String accountId,
      String requestId,
      long amount,
      Instant expiresAt,
      String keyId,
      String model,
      String provider,
      @Nullable Long spendCapNanos) {
    requireId("accountId", accountId);
    requireId("requestId", requestId);
    requireNonNegative("amount", amount);
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(provider, "provider");
    String[] scriptKeys = {
      keys.account(accountId), keys.hold(accountId, requestId), keys.holds(keys.bucketOf(accountId))
    };
    return Mono.defer(
            () ->
                reserve.run(
                    redis,
                    scriptKeys,
                    requestId,
                    Long.toString(amount),
                    Long.toString(expiresAt.toEpochMilli()),
                    keyId,
                    model,
                    accountId,
                    provider,
                    Long.toString(clock.millis()),
                    spendCapNanos == null ? "" : Long.toString(spendCapNanos)))
        .map(
            r ->
                switch (r.get(0).intValue()) {
                  case 1 -> new Reservation(Reservation.Outcome.GRANTED, r.get(1), r.get(2));
                  case 0 -> new Reservation(Reservation.Outcome.INSUFFICIENT, r.get(1));
                  case -1 -> new Reservation(Reservation.Outcome.ACCOUNT_MISSING, 0);
                  case -2 -> new Reservation(Reservation.Outcome.ACCOUNT_INACTIVE, 0);
                  case -3 -> new Reservation(Reservation.Outcome.SPEND_CAP_REACHED, r.get(1));
                  default -> throw unexpected(reserve, r);
                });
  }

  /** What settlements have charged to the key so far, in nano-units (0 if nothing). */
  public Mono<Long> keySpent(String accountId, String keyId) {
    requireId("accountId", accountId);
    Objects.requireNonNull(keyId, "keyId");
    return Mono.defer(() -> redis.hget(keys.account(accountId), "key_spent:" + keyId))
        .map(Long::parseLong)
        .defaultIfEmpty(0L);
  }

  /**
   * Checkpoints a running request's metered usage and cost into its hold (what the reaper charges
   * if this gateway dies), moves its expiry, and grows it by {@code addAmount} if the account has
   * that much free. Not idempotent in {@code addAmount}: retry only an extend known to have failed.
   */
  public Mono<Extension> extend(
      String accountId,
      String requestId,
      long addAmount,
      Instant expiresAt,
      long prompt,
      long completion,
      long cached,
      long reasoning,
      long checkpointCost) {
    requireId("accountId", accountId);
    requireId("requestId", requestId);
    requireNonNegative("addAmount", addAmount);
    Objects.requireNonNull(expiresAt, "expiresAt");
    requireNonNegative("prompt", prompt);
    requireNonNegative("completion", completion);
    requireNonNegative("cached", cached);
    requireNonNegative("reasoning", reasoning);
    requireNonNegative("checkpointCost", checkpointCost);
    String[] scriptKeys = {
      keys.account(accountId), keys.hold(accountId, requestId), keys.holds(keys.bucketOf(accountId))
    };
    return Mono.defer(
            () ->
                extend.run(
                    redis,
                    scriptKeys,
                    requestId,
                    Long.toString(addAmount),
                    Long.toString(expiresAt.toEpochMilli()),
                    Long.toString(prompt),
                    Long.toString(completion),
                    Long.toString(cached),
                    Long.toString(reasoning),
                    Long.toString(checkpointCost)))
        .map(
            r ->
                switch (r.get(0).intValue()) {
                  case 1 -> new Extension(true, false, r.get(1));
                  case 0 -> new Extension(false, false, r.get(1));
                  case -1 -> new Extension(false, true, 0);
                  default -> throw unexpected(extend, r);
                });
  }

  /**
   * Ends a request's hold: debits {@code charge.cost()} (allowance first, then balance; never below
   * zero, the rest is recorded as uncollected), releases the hold and writes one outbox entry.
   * Settling a request again is a no-op answering {@code settled == false}.
   */
  public Mono<Settlement> settle(Charge charge, Instant settledAt) {
    Objects.requireNonNull(charge, "charge");
    Objects.requireNonNull(settledAt, "settledAt");
    String accountId = charge.accountId();
    int bucket = keys.bucketOf(accountId);
    String[] scriptKeys = {
      keys.account(accountId),
      keys.hold(accountId, charge.requestId()),
      keys.holds(bucket),
      keys.outbox(bucket)
    };
    return runSettle(
        scriptKeys,
        charge.requestId(),
        accountId,
        charge.keyId(),
        charge.model(),
        charge.provider(),
        charge.status().wireName(),
        charge.source().wireName(),
        Long.toString(charge.promptTokens()),
        Long.toString(charge.completionTokens()),
        Long.toString(charge.cachedPromptTokens()),
        Long.toString(charge.reasoningTokens()),
        Long.toString(charge.cacheWriteTokens()),
        Long.toString(charge.cacheWrite1hTokens()),
        Long.toString(charge.cost()),
        charge.priceVersion(),
        Long.toString(charge.markupPpm()),
        Long.toString(charge.discountPpm()),
        Long.toString(charge.startedAtMs()),
        Long.toString(charge.ttftMs()),
        Long.toString(charge.durationMs()),
        Long.toString(settledAt.toEpochMilli()));
  }

  /**
   * Settles up to {@code max} holds of a bucket that expired by {@code now}, whose gateway
   * evidently died: each is charged its last checkpoint with status {@code abandoned} and source
   * {@code partial}. A hold extended meanwhile is left alone. Holds are settled one after another.
   *
   * <p>The expired ids are read in full before the first hold is settled. Settling from inside the
   * {@code ZRANGEBYSCORE} reply (issuing commands on the same connection while that reply is
   * consumed with bounded demand) stalled the connection: once the reply's unread elements
   * outnumbered the demand, Lettuce stopped reading the connection until more was requested, and
   * more was requested only after replies that could then never be read (issue 10).
   *
   * @return how many holds were settled
   */
  public Mono<Integer> reapExpired(int bucket, Instant now, int max) {
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
    String holdKey = keys.hold(bucket, requestId);
    return redis
        .hmget(holdKey, REAP_FIELDS)
        .filter(KeyValue::hasValue)
        .collectMap(KeyValue::getKey, KeyValue::getValue)
        .flatMap(
            hold -> {
              String accountId = hold.get("acct");
              if (accountId == null) {
                // Settled between the range query and now, or a stray index entry.
                return redis.zrem(keys.holds(bucket), requestId).thenReturn(false);
              }
              String[] scriptKeys = {
                keys.account(accountId), holdKey, keys.holds(bucket), keys.outbox(bucket)
              };
              long createdAt = parseLong(hold.get("created_at"), nowMs);
              return redis
                  .hget(scriptKeys[0], "discount_ppm")
                  .defaultIfEmpty("0")
                  .flatMap(
                      discountPpm ->
                          runSettle(
                              scriptKeys,
                              requestId,
                              accountId,
                              hold.getOrDefault("key", ""),
                              hold.getOrDefault("model", ""),
                              hold.getOrDefault("provider", UNKNOWN_PROVIDER),
                              STATUS_ABANDONED,
                              "partial",
                              "0",
                              "0",
                              "0",
                              "0",
                              "0",
                              "0",
                              "-1",
                              UNKNOWN_PRICE_VERSION,
                              "0",
                              discountPpm,
                              Long.toString(createdAt),
                              "-1",
                              Long.toString(Math.max(0, nowMs - createdAt)),
                              Long.toString(nowMs)))
                  .map(Settlement::settled);
            });
  }

  private Mono<Settlement> runSettle(String[] scriptKeys, String... args) {
    return Mono.defer(() -> settle.run(redis, scriptKeys, args))
        .map(
            r ->
                switch (r.get(0).intValue()) {
                  case 1 -> new Settlement(true, r.get(1), r.get(2), r.get(3));
                  case 0, -3 -> Settlement.NOT_SETTLED;
                  default -> throw unexpected(settle, r);
                });
  }

  /**
   * Applies a credit (top-up, refund when negative, adjustment) already committed in PostgreSQL to
   * the cached balance, once per {@code creditId}.
   *
   * <p>Returns true when applied now; false when it was applied before, or when the account is not
   * cached: an account loaded from PostgreSQL already includes every committed credit, so there is
   * nothing to apply, and the credit's id is marked all the same. Do not load the account and then
   * credit again; that is what the marker prevents.
   */
  public Mono<Boolean> credit(String accountId, String creditId, long amount) {
    requireId("accountId", accountId);
    requireId("creditId", creditId);
    String[] scriptKeys = {keys.account(accountId), keys.credit(accountId, creditId)};
    return Mono.defer(
            () ->
                credit.run(
                    redis,
                    scriptKeys,
                    Long.toString(amount),
                    Long.toString(creditMarkerTtl.toSeconds())))
        .map(
            r ->
                switch (r.get(0).intValue()) {
                  case 1 -> true;
                  case 0, -1 -> false;
                  default -> throw unexpected(credit, r);
                });
  }

  /**
   * As {@link #loadAccount(String, long, long, Instant, long, String, Map)}, for an account without
   * a subscription period whose keys spent nothing.
   */
  public Mono<Boolean> loadAccount(
      String accountId, long balance, long subLeft, long discountPpm, String status) {
    return loadAccount(accountId, balance, subLeft, null, discountPpm, status, Map.of());
  }

  /**
   * As {@link #loadAccount(String, long, long, Instant, long, String, Map)}, for an account without
   * a subscription period.
   */
  public Mono<Boolean> loadAccount(
      String accountId,
      long balance,
      long subLeft,
      long discountPpm,
      String status,
      Map<String, Long> keySpent) {
    return loadAccount(accountId, balance, subLeft, null, discountPpm, status, keySpent);
  }

  /**
   * Caches an account loaded from PostgreSQL, with nothing held. Returns false, changing nothing,
   * when the account is cached already: Redis is then ahead of PostgreSQL.
   *
   * @param subPeriod the start of the allowance's current period (PostgreSQL's {@code
   *     period_started_at}; milliseconds are kept), or null when the account has no subscription.
   *     Settlements record it, so that the ledger knows which period's allowance they drew from.
   * @param keySpent what each of the account's keys has been charged in all, by key id, so that
   *     spend caps count what was spent before Redis lost the account
   */
  public Mono<Boolean> loadAccount(
      String accountId,
      long balance,
      long subLeft,
      @Nullable Instant subPeriod,
      long discountPpm,
      String status,
      Map<String, Long> keySpent) {
    requireId("accountId", accountId);
    requireNonNegative("subLeft", subLeft);
    if (discountPpm < 0 || discountPpm > 1_000_000) {
      throw new IllegalArgumentException("discountPpm: " + discountPpm + " (expected: 0..1000000)");
    }
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(keySpent, "keySpent");
    String[] scriptKeys = {keys.account(accountId)};
    String[] args = new String[5 + 2 * keySpent.size()];
    args[0] = Long.toString(balance);
    args[1] = Long.toString(subLeft);
    args[2] = Long.toString(discountPpm);
    args[3] = status;
    args[4] = subPeriod == null ? "" : Long.toString(subPeriod.toEpochMilli());
    int i = 5;
    for (Map.Entry<String, Long> spent : keySpent.entrySet()) {
      requireId("keyId", spent.getKey());
      requireNonNegative("keySpent", spent.getValue());
      args[i++] = spent.getKey();
      args[i++] = Long.toString(spent.getValue());
    }
    return Mono.defer(() -> loadAccount.run(redis, scriptKeys, args)).map(r -> r.get(0) == 1);
  }

  /**
   * Starts a new allowance period on the cached account, already committed in PostgreSQL: the
   * allowance left becomes {@code allowance} and the hash's period {@code periodStart}, unless the
   * hash is on that period or a later one already. Idempotent and ordered, so a repeat, a second
   * instance or a late, older renewal changes nothing. An account that is not cached is left to its
   * next load.
   */
  public Mono<AllowanceRenewal> renewAllowance(
      String accountId, Instant periodStart, long allowance) {
    requireId("accountId", accountId);
    Objects.requireNonNull(periodStart, "periodStart");
    requireNonNegative("allowance", allowance);
    String[] scriptKeys = {keys.account(accountId)};
    return Mono.defer(
            () ->
                renewAllowance.run(
                    redis,
                    scriptKeys,
                    Long.toString(periodStart.toEpochMilli()),
                    Long.toString(allowance)))
        .map(
            r ->
                switch (r.get(0).intValue()) {
                  case 1 -> AllowanceRenewal.RENEWED;
                  case 0 -> AllowanceRenewal.ALREADY_CURRENT;
                  case -1 -> AllowanceRenewal.ACCOUNT_MISSING;
                  default -> throw unexpected(renewAllowance, r);
                });
  }

  /**
   * The start of the cached account's allowance period, or empty when the account is not cached or
   * its hash records no period.
   */
  public Mono<Instant> allowancePeriod(String accountId) {
    requireId("accountId", accountId);
    return Mono.defer(() -> redis.hget(keys.account(accountId), "sub_period"))
        .filter(value -> !value.isEmpty())
        .map(value -> Instant.ofEpochMilli(Long.parseLong(value)));
  }

  /**
   * Sets a cached account's status and discount, already committed in PostgreSQL, so that the next
   * reservation sees them. Returns false, writing nothing, when the account is not cached: a later
   * load from PostgreSQL brings the new values.
   */
  public Mono<Boolean> updateAccount(String accountId, String status, long discountPpm) {
    requireId("accountId", accountId);
    Objects.requireNonNull(status, "status");
    if (discountPpm < 0 || discountPpm > 1_000_000) {
      throw new IllegalArgumentException("discountPpm: " + discountPpm + " (expected: 0..1000000)");
    }
    String[] scriptKeys = {keys.account(accountId)};
    return Mono.defer(
            () -> updateAccount.run(redis, scriptKeys, status, Long.toString(discountPpm)))
        .map(r -> r.get(0) == 1);
  }

  /** The account as cached, or empty when it is not in Redis. */
  public Mono<AccountState> account(String accountId) {
    requireId("accountId", accountId);
    return Flux.defer(() -> redis.hmget(keys.account(accountId), ACCOUNT_FIELDS))
        .filter(KeyValue::hasValue)
        .collect(Collectors.toMap(KeyValue::getKey, KeyValue::getValue))
        .filter(fields -> !fields.isEmpty())
        .map(HoldStore::toAccountState);
  }

  private static AccountState toAccountState(Map<String, String> fields) {
    return new AccountState(
        parseLong(fields.get("balance"), 0),
        parseLong(fields.get("sub_left"), 0),
        parseLong(fields.get("held"), 0),
        parseLong(fields.get("discount_ppm"), 0),
        fields.getOrDefault("status", ""));
  }

  private static long parseLong(@Nullable String value, long orElse) {
    return value == null ? orElse : Long.parseLong(value);
  }

  private static IllegalStateException unexpected(LuaScript script, List<Long> reply) {
    return new IllegalStateException("script " + script.name() + " returned " + reply);
  }

  private static void requireId(String name, String value) {
    Objects.requireNonNull(value, name);
    if (value.isEmpty()) {
      throw new IllegalArgumentException(name + ": '' (expected: non-empty)");
    }
  }

  private static void requireNonNegative(String name, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: >= 0)");
    }
  }
}
