package dev.tollgate.billing.allowance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.billing.ledger.AccountRepository;
import dev.tollgate.billing.ledger.AccountRow;
import dev.tollgate.billing.ledger.AccountStatus;
import dev.tollgate.billing.ledger.LedgerWriter;
import dev.tollgate.billing.ledger.OutboxEntryDecoder;
import dev.tollgate.billing.ledger.SettledCharge;
import dev.tollgate.billing.metering.RequestStatus;
import dev.tollgate.billing.metering.UsageSource;
import dev.tollgate.billing.redis.AccountState;
import dev.tollgate.billing.redis.Charge;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.billing.support.TestDatabase;
import dev.tollgate.billing.support.TestRedis;
import io.lettuce.core.Range;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * {@link AllowanceRenewer} against the real local PostgreSQL and Redis: both stores renewed once
 * per period, a charge of the old period flushed late, a Redis step that failed, two instances.
 */
class AllowanceRenewerTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(15);
  private static final Duration DAY = Duration.ofDays(1);
  private static final long ALLOWANCE = 1_000;
  private static final long BALANCE = 5_000;

  private static TestDatabase db;
  private static TestRedis redis;
  private static AccountRepository accounts;
  private static AllowanceRenewals renewals;
  private static HoldStore holds;
  private static LedgerWriter writer;

  @BeforeAll
  static void setUp() {
    db = TestDatabase.create();
    redis = new TestRedis(4);
    accounts = new AccountRepository(db.pool);
    renewals = new AllowanceRenewals(db.pool);
    holds = new HoldStore(redis.connection, redis.keys);
    writer = new LedgerWriter(db.pool);
  }

  /** Each test counts renewals of its own account: earlier tests' plans are ended. */
  @BeforeEach
  void endEarlierPlans() {
    db.execute("UPDATE accounts SET allowance_period = NULL, period_ends_at = NULL");
  }

  @AfterAll
  static void tearDown() {
    if (redis != null) {
      redis.close();
    }
    if (db != null) {
      db.close();
    }
  }

  private static <T> T await(Mono<T> mono) {
    T value = mono.block(TIMEOUT);
    assertThat(value).as("reply").isNotNull();
    return value;
  }

  private static AllowanceRenewer renewerAt(Instant now) {
    return new AllowanceRenewer(renewals, holds, Clock.fixed(now, ZoneOffset.UTC));
  }

  /** A daily plan, cached in Redis as a request would load it. Answers its first period's start. */
  private static Instant newAccount(String id) {
    await(
        accounts.ensure(
            new AccountRow(
                id, "Plan", null, BALANCE, ALLOWANCE, ALLOWANCE, "P1D", 0, AccountStatus.ACTIVE)));
    AccountRow row = await(accounts.find(id));
    Instant start = row.periodStartedAt();
    assertThat(start).as("a plan's first period starts at creation").isNotNull();
    assertThat(start.getNano() % 1_000_000).as("to the millisecond").isZero();
    await(
        holds.loadAccount(
            id, row.balanceNanos(), row.allowanceLeftNanos(), start, 0, "active", Map.of()));
    return start;
  }

  private static void spend(String acct, String requestId, long cost) {
    await(holds.reserve(acct, requestId, cost, Instant.now().plus(DAY), "key-1", "mini"));
    Charge charge =
        new Charge(
            requestId,
            acct,
            "key-1",
            "mini",
            "mock",
            RequestStatus.COMPLETED,
            UsageSource.REPORTED,
            10,
            10,
            0,
            0,
            0,
            0,
            cost,
            "v1",
            0,
            0,
            Instant.now().toEpochMilli(),
            5,
            10);
    assertThat(await(holds.settle(charge, Instant.now())).settled()).isTrue();
  }

  /** Writes the account's outbox entries to PostgreSQL, as the flusher would. */
  private static void flush(String acct) {
    List<SettledCharge> entries =
        redis
            .sync()
            .xrange(redis.keys.outbox(redis.keys.bucketOf(acct)), Range.create("-", "+"))
            .stream()
            .filter(m -> acct.equals(m.getBody().get("account_id")))
            .map(m -> OutboxEntryDecoder.decode(m.getId(), m.getBody()))
            .toList();
    StepVerifier.create(writer.write(entries)).expectNextCount(1).expectComplete().verify(TIMEOUT);
  }

  private static long pgLong(String column, String acct) {
    return db.queryLong("SELECT " + column + " FROM accounts WHERE id = ?", acct);
  }

  private static Instant pgInstant(String column, String acct) {
    return Instant.ofEpochMilli(
        db.queryLong(
            "SELECT (extract(epoch FROM " + column + ") * 1000)::bigint FROM accounts WHERE id = ?",
            acct));
  }

  private static String newId() {
    return "acct-" + UUID.randomUUID();
  }

  @Test
  void aPeriodThatEndedIsRenewedInBothStoresOnceAndAnOldChargeFlushedLateKeepsItsPlace() {
    String acct = newId();
    Instant start = newAccount(acct);
    spend(acct, "r1", 1_100); // 1_000 from the allowance, 100 from the balance

    AllowanceRenewer.Report first = await(renewerAt(start.plus(Duration.ofHours(1))).renewOnce());
    assertThat(first.renewed()).as("within the first period: nothing to renew").isZero();
    assertThat(pgInstant("period_ends_at", acct))
        .as("its end worked out")
        .isEqualTo(start.plus(DAY));
    assertThat(await(holds.account(acct)).subLeft()).isZero();

    Instant later = start.plus(DAY).plus(Duration.ofHours(1));
    assertThat(await(renewerAt(later).renewOnce())).isEqualTo(new AllowanceRenewer.Report(1, 1, 0));
    assertThat(pgInstant("period_started_at", acct)).isEqualTo(start.plus(DAY));
    assertThat(pgInstant("period_ends_at", acct)).isEqualTo(start.plus(DAY.multipliedBy(2)));
    assertThat(pgLong("allowance_left_nanos", acct)).isEqualTo(ALLOWANCE);
    assertThat(
            db.queryText("SELECT allowance_redis_pending::text FROM accounts WHERE id = ?", acct))
        .isEqualTo("false");
    assertThat(await(holds.account(acct)))
        .isEqualTo(new AccountState(BALANCE - 100, ALLOWANCE, 0, 0, "active"));
    assertThat(await(holds.allowancePeriod(acct))).isEqualTo(start.plus(DAY));

    flush(acct); // the charge made before the renewal reaches PostgreSQL only now
    assertThat(pgLong("allowance_left_nanos", acct))
        .as("the old period's charge does not reduce the new allowance")
        .isEqualTo(ALLOWANCE);
    assertThat(pgLong("balance_nanos", acct)).isEqualTo(BALANCE - 100);

    assertThat(await(renewerAt(later).renewOnce()))
        .as("a second run changes nothing")
        .isEqualTo(new AllowanceRenewer.Report(0, 0, 0));
    assertThat(await(holds.account(acct)).subLeft()).isEqualTo(ALLOWANCE);

    spend(acct, "r2", 300); // drawn from the new period: taken from PostgreSQL's allowance too
    flush(acct);
    assertThat(pgLong("allowance_left_nanos", acct)).isEqualTo(ALLOWANCE - 300);
    assertThat(await(holds.account(acct)).subLeft()).isEqualTo(ALLOWANCE - 300);
  }

  @Test
  void periodsMissedWhileNothingRanAreSkippedToThePeriodContainingNow() {
    String acct = newId();
    Instant start = newAccount(acct);
    Instant now = start.plus(DAY.multipliedBy(5)).plus(Duration.ofMinutes(3));

    assertThat(await(renewerAt(now).renewOnce()).renewed()).isEqualTo(1);
    assertThat(pgInstant("period_started_at", acct)).isEqualTo(start.plus(DAY.multipliedBy(5)));
    assertThat(await(holds.allowancePeriod(acct))).isEqualTo(start.plus(DAY.multipliedBy(5)));
  }

  @Test
  void aRenewalThatDidNotReachRedisIsBroughtThereByTheNextRun() {
    String acct = newId();
    Instant start = newAccount(acct);
    spend(acct, "r1", 400);
    Instant later = start.plus(DAY).plus(Duration.ofMinutes(1));
    await(renewerAt(start).renewOnce()); // works out the first period's end
    // PostgreSQL renewed, then the gateway died before Redis heard of it.
    DueAccount due = renewals.due(later, 100).filter(d -> d.id().equals(acct)).blockFirst(TIMEOUT);
    assertThat(due).isNotNull();
    AllowancePeriods.Window window =
        AllowancePeriods.containing(due.anchor(), AllowancePeriods.parse("P1D"), later);
    assertThat(await(renewals.renew(due, window)).periodStart()).isEqualTo(start.plus(DAY));
    assertThat(await(holds.account(acct)).subLeft()).isEqualTo(ALLOWANCE - 400);

    assertThat(await(renewerAt(later).renewOnce())).isEqualTo(new AllowanceRenewer.Report(0, 1, 0));
    assertThat(await(holds.account(acct)).subLeft()).isEqualTo(ALLOWANCE);
    assertThat(await(holds.allowancePeriod(acct))).isEqualTo(start.plus(DAY));
    assertThat(
            db.queryText("SELECT allowance_redis_pending::text FROM accounts WHERE id = ?", acct))
        .isEqualTo("false");
  }

  @Test
  void twoInstancesRunningAtOnceRenewOnce() {
    String acct = newId();
    Instant start = newAccount(acct);
    await(renewerAt(start).renewOnce());
    spend(acct, "r1", 250);
    Instant later = start.plus(DAY).plus(Duration.ofMinutes(1));

    List<AllowanceRenewer.Report> reports =
        Flux.merge(renewerAt(later).renewOnce(), renewerAt(later).renewOnce())
            .collectList()
            .block(TIMEOUT);
    assertThat(reports).isNotNull();
    assertThat(reports.stream().mapToInt(AllowanceRenewer.Report::renewed).sum())
        .as("the optimistic check lets one instance renew")
        .isEqualTo(1);
    assertThat(await(holds.account(acct)).subLeft()).isEqualTo(ALLOWANCE);
    assertThat(pgLong("allowance_left_nanos", acct)).isEqualTo(ALLOWANCE);
  }
}
