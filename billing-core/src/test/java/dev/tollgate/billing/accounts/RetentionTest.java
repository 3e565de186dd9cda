package dev.tollgate.billing.accounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.billing.support.TestDatabase;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** {@link Retention} against a real PostgreSQL (a fresh database per test: it purges globally). */
class RetentionTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  private TestDatabase db;

  @BeforeEach
  void setUp() {
    db = TestDatabase.create();
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  private long usage() {
    return db.queryLong("SELECT count(*) FROM usage_events");
  }

  @Test
  void purgesEveryOldRowOfEveryAccountInBatchesAndNothingNewer() {
    String a = Fixtures.newAccount(db, 0);
    String b = Fixtures.newAccount(db, 0);
    // g = 1..12 start at BASE + g/2 s; the cutoff BASE + 4 s purges g = 1..7, keeps g = 8..12.
    Fixtures.insertUsage(db, "req-a-", a, 12, Fixtures.BASE);
    Fixtures.insertUsage(db, "req-b-", b, 12, Fixtures.BASE);
    db.execute(
        "INSERT INTO ledger_entries (account_id, type, category, amount_nanos, reference)"
            + " VALUES (?, 'debit', 'usage', 5, 'req-a-0000001')",
        a);

    // 14 old rows in batches of 5: 5, 5, 4.
    StepVerifier.create(new Retention(db.pool, 5).purgeUsageOlderThan(Fixtures.BASE.plusSeconds(4)))
        .expectNext(14L)
        .expectComplete()
        .verify(TIMEOUT);

    assertThat(usage()).isEqualTo(10);
    assertThat(
            db.queryLong(
                "SELECT count(*) FROM usage_events WHERE started_at < ?::timestamptz",
                Fixtures.BASE.plusSeconds(4).toString()))
        .isZero();
    assertThat(db.queryLong("SELECT count(*) FROM ledger_entries")).isEqualTo(1);
    StepVerifier.create(new Retention(db.pool, 5).purgeUsageOlderThan(Fixtures.BASE.plusSeconds(4)))
        .expectNext(0L)
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void anExactMultipleOfTheBatchEndsAfterOneEmptyBatch() {
    Fixtures.insertUsage(db, "req-c-", Fixtures.newAccount(db, 0), 10, Fixtures.BASE);

    StepVerifier.create(
            new Retention(db.pool, 5).purgeUsageOlderThan(Fixtures.BASE.plusSeconds(3600)))
        .expectNext(10L)
        .expectComplete()
        .verify(TIMEOUT);
    assertThat(usage()).isZero();
  }

  @Test
  void theDefaultBatchPurgesMoreThanOneBatch() {
    Fixtures.insertUsage(db, "req-d-", Fixtures.newAccount(db, 0), 12_000, Fixtures.BASE);

    StepVerifier.create(new Retention(db.pool).purgeUsageOlderThan(Fixtures.BASE.plusSeconds(5000)))
        .expectNext(9_999L) // g = 1..9999 start before BASE + 5000 s
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void aBadBatchSizeIsRefused() {
    assertThatThrownBy(() -> new Retention(db.pool, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("batchSize: 0 (expected: > 0)");
  }
}
