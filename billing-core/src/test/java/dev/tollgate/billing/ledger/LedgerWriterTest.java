package dev.tollgate.billing.ledger;

import static dev.tollgate.billing.support.Charges.charge;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.billing.support.Charges;
import dev.tollgate.billing.support.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** {@link LedgerWriter} against a real PostgreSQL: exact sums, idempotent replays, atomicity. */
class LedgerWriterTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  private static TestDatabase db;
  private static LedgerWriter writer;
  private static AccountRepository accounts;

  @BeforeAll
  static void setUp() {
    db = TestDatabase.create();
    writer = new LedgerWriter(db.pool);
    accounts = new AccountRepository(db.pool);
  }

  @AfterAll
  static void tearDown() {
    if (db != null) {
      db.close();
    }
  }

  private static String account(long balance, long allowanceLeft) {
    String id = "acct-" + UUID.randomUUID();
    AccountRow row =
        new AccountRow(
            id,
            "Test",
            null,
            balance,
            allowanceLeft,
            allowanceLeft,
            "P30D",
            0,
            AccountStatus.ACTIVE);
    StepVerifier.create(accounts.ensure(row)).expectNext(true).expectComplete().verify(TIMEOUT);
    return id;
  }

  private static long balance(String account) {
    return db.queryLong("SELECT balance_nanos FROM accounts WHERE id = ?", account);
  }

  private static long allowanceLeft(String account) {
    return db.queryLong("SELECT allowance_left_nanos FROM accounts WHERE id = ?", account);
  }

  private static long debits(String account) {
    return db.queryLong(
        "SELECT coalesce(sum(amount_nanos), 0) FROM ledger_entries"
            + " WHERE account_id = ? AND type = 'debit' AND category = 'usage'",
        account);
  }

  private static long count(String sql, String account) {
    return db.queryLong(sql, account);
  }

  @Test
  void aBatchDecreasesBalancesByExactlyTheSumsItDebits() {
    long initialA = 5_000_000_000L;
    long initialB = 2_000_000_000L;
    long allowanceB = 700_000_000L;
    String a = account(initialA, 0);
    String b = account(initialB, allowanceB);
    List<SettledCharge> batch =
        List.of(
            charge(a, 1_234_567, 0, 1_234_567),
            charge(a, 10_000_001, 0, 10_000_001),
            charge(a, 0, 0, 0), // cancelled before any token: no debit
            charge(b, 300_000_000, 300_000_000, 0),
            charge(b, 500_000_000, 400_000_000, 100_000_000), // allowance ran out midway
            charge(b, 99, 0, 42)); // funds ran short: 57 uncollected

    StepVerifier.create(writer.write(batch)).expectNext(6).expectComplete().verify(TIMEOUT);

    assertThat(count("SELECT count(*) FROM usage_events WHERE account_id = ?", a)).isEqualTo(3);
    assertThat(count("SELECT count(*) FROM usage_events WHERE account_id = ?", b)).isEqualTo(3);
    assertThat(count("SELECT count(*) FROM ledger_entries WHERE account_id = ?", a))
        .as("no debit for a zero charge")
        .isEqualTo(2);
    assertThat(count("SELECT count(*) FROM ledger_entries WHERE account_id = ?", b)).isEqualTo(3);

    assertThat(balance(a)).isEqualTo(initialA - 1_234_567 - 10_000_001);
    assertThat(debits(a)).isEqualTo(initialA - balance(a));
    assertThat(balance(b)).isEqualTo(initialB - 100_000_000 - 42);
    assertThat(allowanceLeft(b)).isEqualTo(allowanceB - 700_000_000);
    assertThat(debits(b))
        .as("debits = what left the balance + what left the allowance")
        .isEqualTo((initialB - balance(b)) + (allowanceB - allowanceLeft(b)));

    SettledCharge short_ = batch.get(5);
    assertThat(
            db.queryLong(
                "SELECT uncollected_nanos FROM usage_events WHERE request_id = ?",
                short_.requestId()))
        .isEqualTo(57);
    assertThat(
            db.queryText(
                "SELECT cache_write_tokens || '/' || cache_write_1h_tokens FROM usage_events"
                    + " WHERE request_id = ?",
                short_.requestId()))
        .isEqualTo("100/40");
  }

  @Test
  void timestampsKeepTheirMillisecondsAndAMissingTimeToFirstTokenIsNull() {
    String a = account(1_000_000, 0);
    SettledCharge delivered = charge(a, 10, 0, 10);
    SettledCharge nothing = charge(a, 0, 0, 0);

    StepVerifier.create(writer.write(List.of(delivered, nothing)))
        .expectNext(2)
        .expectComplete()
        .verify(TIMEOUT);

    assertThat(
            db.queryLong(
                "SELECT (extract(epoch FROM started_at) * 1000)::bigint FROM usage_events"
                    + " WHERE request_id = ?",
                delivered.requestId()))
        .isEqualTo(delivered.startedAtMs());
    assertThat(
            db.queryLong(
                "SELECT (extract(epoch FROM settled_at) * 1000)::bigint FROM usage_events"
                    + " WHERE request_id = ?",
                delivered.requestId()))
        .isEqualTo(delivered.settledAtMs());
    assertThat(
            db.queryText(
                "SELECT ttft_ms::text FROM usage_events WHERE request_id = ?",
                delivered.requestId()))
        .isEqualTo("420");
    assertThat(
            db.queryText(
                "SELECT ttft_ms::text FROM usage_events WHERE request_id = ?", nothing.requestId()))
        .isNull();
  }

  @Test
  void eachStoredKeysSpendGrowsByWhatItWasChargedOnce() {
    String a = account(900_000_000L, 0);
    String k1 = "key-" + UUID.randomUUID();
    String k2 = "key-" + UUID.randomUUID();
    for (String k : List.of(k1, k2)) {
      db.queryLong(
          "INSERT INTO api_keys (id, account_id, key_hash, prefix) VALUES (?, ?, ?, 'sk-gw-x')"
              + " RETURNING 1",
          k,
          a,
          "hash-" + k);
    }
    List<SettledCharge> batch =
        List.of(
            Charges.byKey(charge(a, 1_000, 0, 1_000), k1),
            Charges.byKey(charge(a, 2_500, 500, 2_000), k1),
            Charges.byKey(charge(a, 7_000, 0, 4_000), k2), // partly uncollected: 4 000 charged
            Charges.byKey(charge(a, 9_000, 0, 9_000), "dev-key-not-stored"));
    StepVerifier.create(writer.write(batch)).expectNext(4).expectComplete().verify(TIMEOUT);
    StepVerifier.create(writer.write(batch)).expectNext(0).expectComplete().verify(TIMEOUT);

    assertThat(db.queryLong("SELECT spent_nanos FROM api_keys WHERE id = ?", k1)).isEqualTo(3_500);
    assertThat(db.queryLong("SELECT spent_nanos FROM api_keys WHERE id = ?", k2)).isEqualTo(4_000);
    StepVerifier.create(accounts.keySpend(a))
        .expectNext(Map.of(k1, 3_500L, k2, 4_000L))
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void replayingABatchChangesNothing() {
    long initial = 900_000_000L;
    String a = account(initial, 0);
    List<SettledCharge> batch = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      batch.add(charge(a, 1_000_000 + i, 0, 1_000_000 + i));
    }
    StepVerifier.create(writer.write(batch)).expectNext(50).expectComplete().verify(TIMEOUT);
    long after = balance(a);

    StepVerifier.create(writer.write(batch)).expectNext(0).expectComplete().verify(TIMEOUT);

    assertThat(balance(a)).isEqualTo(after);
    assertThat(count("SELECT count(*) FROM usage_events WHERE account_id = ?", a)).isEqualTo(50);
    assertThat(count("SELECT count(*) FROM ledger_entries WHERE account_id = ?", a)).isEqualTo(50);
    assertThat(debits(a)).isEqualTo(initial - after);
  }

  @Test
  void aPartlyReplayedBatchWritesOnlyTheNewCharges() {
    String a = account(1_000_000_000L, 0);
    SettledCharge old = charge(a, 7, 0, 7);
    SettledCharge fresh = charge(a, 11, 0, 11);
    StepVerifier.create(writer.write(List.of(old))).expectNext(1).expectComplete().verify(TIMEOUT);

    StepVerifier.create(writer.write(List.of(old, fresh, fresh)))
        .expectNext(1)
        .expectComplete()
        .verify(TIMEOUT);

    assertThat(balance(a)).isEqualTo(1_000_000_000L - 7 - 11);
    assertThat(debits(a)).isEqualTo(18);
  }

  @Test
  void aBatchWithAnUnknownAccountWritesNothingAtAll() {
    String a = account(1_000_000, 0);
    List<SettledCharge> batch = List.of(charge(a, 5, 0, 5), charge("no-such-account", 5, 0, 5));

    StepVerifier.create(writer.write(batch)).expectError().verify(TIMEOUT);

    assertThat(balance(a)).isEqualTo(1_000_000);
    assertThat(count("SELECT count(*) FROM usage_events WHERE account_id = ?", a)).isZero();
    assertThat(count("SELECT count(*) FROM ledger_entries WHERE account_id = ?", a)).isZero();
  }

  @Test
  void anEmptyBatchTouchesNothing() {
    StepVerifier.create(writer.write(List.of())).expectNext(0).expectComplete().verify(TIMEOUT);
  }

  private static long periodStartMs(String account) {
    return db.queryLong(
        "SELECT (extract(epoch FROM period_started_at) * 1000)::bigint FROM accounts WHERE id = ?",
        account);
  }

  @Test
  void onlyChargesOfTheCurrentPeriodTakeFromTheAllowance() {
    String a = account(1_000_000, 500_000);
    long current = periodStartMs(a);
    long previous = current - Duration.ofDays(30).toMillis();
    List<SettledCharge> batch =
        List.of(
            Charges.inPeriod(charge(a, 250_000, 200_000, 50_000), previous),
            Charges.inPeriod(charge(a, 100_000, 100_000, 0), current),
            charge(a, 30_000, 30_000, 0), // recorded no period (written before periods were)
            Charges.inPeriod(charge(a, 7, 0, 7), previous));

    StepVerifier.create(writer.write(batch)).expectNext(4).expectComplete().verify(TIMEOUT);
    StepVerifier.create(writer.write(batch)).expectNext(0).expectComplete().verify(TIMEOUT);

    assertThat(allowanceLeft(a))
        .as("the previous period's 200_000 is history; this period's and the unknown count")
        .isEqualTo(500_000 - 100_000 - 30_000);
    assertThat(balance(a)).as("every balance part is debited").isEqualTo(1_000_000 - 50_000 - 7);
    assertThat(debits(a))
        .as("the ledger records every charge")
        .isEqualTo(250_000 + 100_000 + 30_007);
  }

  @Test
  void aChargeOfTheOldPeriodWaitingOnARenewalInProgressLeavesTheNewAllowanceIntact()
      throws Exception {
    String a = account(1_000_000, 500_000);
    long old = periodStartMs(a);
    List<SettledCharge> batch = List.of(Charges.inPeriod(charge(a, 300_000, 300_000, 0), old));

    try (Connection renewal =
        DriverManager.getConnection(TestDatabase.jdbcUrl(db.name), "postgres", "")) {
      renewal.setAutoCommit(false);
      try (PreparedStatement renew =
          renewal.prepareStatement(
              "UPDATE accounts SET period_started_at = period_started_at + interval '30 days',"
                  + " allowance_left_nanos = allowance_nanos WHERE id = ?")) {
        renew.setString(1, a);
        assertThat(renew.executeUpdate()).isEqualTo(1);
      }
      // The writer reads the old period before the renewal commits, then waits on the row lock.
      CompletableFuture<Integer> written = writer.write(batch).toFuture();
      Thread.sleep(500);
      assertThat(written).as("waiting on the renewal's row lock").isNotDone();
      renewal.commit();
      assertThat(written.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);
    }

    assertThat(allowanceLeft(a))
        .as("the renewal committed first: the old period's charge does not eat the new allowance")
        .isEqualTo(500_000);
    assertThat(debits(a)).isEqualTo(300_000);
  }
}
