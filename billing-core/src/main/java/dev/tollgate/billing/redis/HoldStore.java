package dev.tollgate.billing.redis;

import static dev.tollgate.billing.redis.Checks.requireId;

import io.lettuce.core.KeyValue;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
 *
 * <p>A facade: each script is one class that encodes its {@code KEYS} and {@code ARGV} from a
 * record of its arguments and names its reply ({@link ReserveScript}, {@link ExtendScript}, {@link
 * SettleScript}, {@link CreditScript}, {@link LoadAccountScript}, {@link UpdateAccountScript},
 * {@link RenewAllowanceScript}); the reaper is {@link HoldReaper}. The plain reads of the account
 * hash are here.
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

  private final RedisClusterReactiveCommands<String, String> redis;
  private final BillingKeys keys;
  private final ReserveScript reserve;
  private final ExtendScript extend;
  private final SettleScript settle;
  private final HoldReaper reaper;
  private final CreditScript credit;
  private final LoadAccountScript loadAccount;
  private final UpdateAccountScript updateAccount;
  private final RenewAllowanceScript renewAllowance;

  public HoldStore(StatefulRedisConnection<String, String> connection, BillingKeys keys) {
    this(Objects.requireNonNull(connection, "connection").reactive(), keys);
  }

  public HoldStore(RedisClusterReactiveCommands<String, String> redis, BillingKeys keys) {
    this(redis, keys, DEFAULT_CREDIT_MARKER_TTL, Clock.systemUTC());
  }

  /**
   * Reads the Lua scripts from the class path: construct while wiring, not on an event loop.
   *
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
    Objects.requireNonNull(creditMarkerTtl, "creditMarkerTtl");
    Objects.requireNonNull(clock, "clock");
    if (creditMarkerTtl.toSeconds() < 1) {
      throw new IllegalArgumentException(
          "creditMarkerTtl: " + creditMarkerTtl + " (expected: at least 1 second)");
    }
    this.reserve = new ReserveScript(keys, clock);
    this.extend = new ExtendScript(keys);
    this.settle = new SettleScript(keys);
    this.reaper = new HoldReaper(redis, keys, settle);
    this.credit = new CreditScript(keys, creditMarkerTtl);
    this.loadAccount = new LoadAccountScript(keys);
    this.updateAccount = new UpdateAccountScript(keys);
    this.renewAllowance = new RenewAllowanceScript(keys);
  }

  /**
   * Loads every script into Redis ({@code SCRIPT LOAD}). Optional: a call whose script the server
   * does not know loads it and retries; this only moves that round trip to start-up.
   */
  public Mono<Void> loadScripts() {
    return Flux.just(reserve, extend, settle, credit, loadAccount, updateAccount, renewAllowance)
        .concatMap(script -> script.script().load(redis))
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
    return reserve(
        accountId,
        requestId,
        amount,
        expiresAt,
        keyId,
        model,
        provider,
        spendCapNanos,
        null,
        Instant.EPOCH);
  }

  /**
   * Like {@link #reserve(String, String, long, Instant, String, String, String, Long)}, and refused
   * with {@link Reservation.Outcome#BUDGET_EXCEEDED} when what the key's requests admitted in the
   * budget's current period hold and were charged, plus {@code amount}, would pass {@code
   * budgetNanos}: checked and counted in the same atomic step as the hold, so concurrent requests
   * cannot pass it together. The count follows the hold as it grows (extend refuses growth past the
   * budget) and is corrected to the charge at settle.
   *
   * @param budgetNanos the key's budget per period, or null for none
   * @param budgetPeriodStart when the budget's current period started; a new one starts the count
   *     from zero
   */
  public Mono<Reservation> reserve(
      String accountId,
      String requestId,
      long amount,
      Instant expiresAt,
      String keyId,
      String model,
      String provider,
      @Nullable Long spendCapNanos,
      @Nullable Long budgetNanos,
      Instant budgetPeriodStart) {
    return reserve.run(
        redis,
        new ReserveScript.Args(
            accountId,
            requestId,
            amount,
            expiresAt,
            keyId,
            model,
            provider,
            spendCapNanos,
            budgetNanos,
            budgetPeriodStart));
  }

  /**
   * What the key's requests admitted in the budget period that started at {@code periodStart} hold
   * and were charged, in nano-units (0 when its count is of another period or absent).
   */
  public Mono<Long> budgetUsed(String accountId, String keyId, Instant periodStart) {
    requireId("accountId", accountId);
    Objects.requireNonNull(keyId, "keyId");
    String period = Long.toString(periodStart.toEpochMilli());
    return Mono.defer(
            () ->
                redis
                    .hmget(keys.account(accountId), "kb_period:" + keyId, "kb_used:" + keyId)
                    .collectList())
        .map(
            values ->
                period.equals(values.get(0).getValueOrElse(null))
                    ? Long.parseLong(values.get(1).getValueOrElse("0"))
                    : 0L);
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
    return extend.run(
        redis,
        new ExtendScript.Args(
            accountId,
            requestId,
            addAmount,
            expiresAt,
            prompt,
            completion,
            cached,
            reasoning,
            checkpointCost));
  }

  /**
   * Ends a request's hold: debits {@code charge.cost()} (allowance first, then balance; never below
   * zero, the rest is recorded as uncollected), releases the hold and writes one outbox entry.
   * Settling a request again is a no-op answering {@code settled == false}.
   */
  public Mono<Settlement> settle(Charge charge, Instant settledAt) {
    return settle.run(redis, new SettleScript.Finished(charge, settledAt));
  }

  /**
   * Settles up to {@code max} holds of a bucket that expired by {@code now}, whose gateway
   * evidently died: each is charged its last checkpoint with status {@code abandoned} and source
   * {@code partial}. A hold extended meanwhile is left alone. Holds are settled one after another,
   * after all the expired ids were read ({@link HoldReaper} says why).
   *
   * @return how many holds were settled
   */
  public Mono<Integer> reapExpired(int bucket, Instant now, int max) {
    return reaper.reapExpired(bucket, now, max);
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
    return credit.run(redis, new CreditScript.Args(accountId, creditId, amount));
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
    return loadAccount.run(
        redis,
        new LoadAccountScript.Args(
            accountId, balance, subLeft, subPeriod, discountPpm, status, keySpent));
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
    return renewAllowance.run(
        redis, new RenewAllowanceScript.Args(accountId, periodStart, allowance));
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
    return updateAccount.run(redis, new UpdateAccountScript.Args(accountId, status, discountPpm));
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
}
