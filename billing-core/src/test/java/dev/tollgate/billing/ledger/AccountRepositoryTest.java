package dev.tollgate.billing.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.billing.support.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** {@link AccountRepository} against a real PostgreSQL. */
class AccountRepositoryTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  private static TestDatabase db;
  private static AccountRepository accounts;

  @BeforeAll
  static void setUp() {
    db = TestDatabase.create();
    accounts = new AccountRepository(db.pool);
  }

  @AfterAll
  static void tearDown() {
    if (db != null) {
      db.close();
    }
  }

  private static String newId() {
    return "acct-" + UUID.randomUUID();
  }

  private static long balance(String account) {
    return db.queryLong("SELECT balance_nanos FROM accounts WHERE id = ?", account);
  }

  private static long entries(String account) {
    return db.queryLong("SELECT count(*) FROM ledger_entries WHERE account_id = ?", account);
  }

  @Test
  void migratingAnUpToDateDatabaseAppliesNothing() {
    assertThat(Migrations.migrate(TestDatabase.jdbcUrl(db.name), TestDatabase.USER, "")).isZero();
  }

  @Test
  void ensureCreatesAnAccountOnceAndFindReadsItBack() {
    AccountRow demo =
        new AccountRow(
            newId(),
            "Demo",
            "user-1",
            10_000_000_000L,
            3_000_000_000L,
            2_500_000_000L,
            "P30D",
            150_000,
            AccountStatus.ACTIVE);
    StepVerifier.create(accounts.ensure(demo)).expectNext(true).expectComplete().verify(TIMEOUT);
    AccountRow other = AccountRow.prepaid(demo.id(), "Changed", 1);
    StepVerifier.create(accounts.ensure(other)).expectNext(false).expectComplete().verify(TIMEOUT);

    StepVerifier.create(accounts.find(demo.id()))
        .assertNext(
            found -> {
              assertThat(found)
                  .usingRecursiveComparison()
                  .ignoringFields("periodStartedAt")
                  .isEqualTo(demo);
              assertThat(found.periodStartedAt())
                  .as("a plan's first period starts at creation, to the millisecond")
                  .isNotNull()
                  .isBetween(Instant.now().minusSeconds(60), Instant.now());
              assertThat(found.periodStartedAt().getNano() % 1_000_000).isZero();
            })
        .expectComplete()
        .verify(TIMEOUT);
    assertThat(
            db.queryLong(
                "SELECT count(*) FROM accounts WHERE id = ?"
                    + " AND period_anchor_at = period_started_at AND period_ends_at = period_started_at",
                demo.id()))
        .as("its end is left to the renewal job: due at once")
        .isEqualTo(1);
  }

  @Test
  void findByOwnerAnswersTheOwnersOldestLiveAccount() {
    String owner = "owner-" + UUID.randomUUID();
    AccountRow first =
        new AccountRow(newId(), "First", owner, 0, 0, 0, null, 0, AccountStatus.ACTIVE);
    AccountRow second =
        new AccountRow(newId(), "Second", owner, 0, 0, 0, null, 0, AccountStatus.ACTIVE);
    StepVerifier.create(accounts.ensure(first)).expectNext(true).expectComplete().verify(TIMEOUT);
    StepVerifier.create(accounts.ensure(second)).expectNext(true).expectComplete().verify(TIMEOUT);

    StepVerifier.create(accounts.findByOwner(owner))
        .expectNext(first)
        .expectComplete()
        .verify(TIMEOUT);
    StepVerifier.create(accounts.findByOwner("nobody-" + UUID.randomUUID()))
        .expectComplete()
        .verify(TIMEOUT);

    // A deleted account is not found by its owner, even were the subject still set.
    db.execute("UPDATE accounts SET status = 'deleted' WHERE id = ?", first.id());
    StepVerifier.create(accounts.findByOwner(owner))
        .expectNext(second)
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void aPrepaidAccountHasNoAllowancePeriod() {
    AccountRow prepaid = AccountRow.prepaid(newId(), "Prepaid", 42);
    StepVerifier.create(accounts.ensure(prepaid)).expectNext(true).expectComplete().verify(TIMEOUT);
    StepVerifier.create(accounts.find(prepaid.id()))
        .expectNext(prepaid)
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void findOfAnUnknownAccountIsEmpty() {
    StepVerifier.create(accounts.find("no-such-account")).expectComplete().verify(TIMEOUT);
  }

  @Test
  void creditIsAppliedOncePerTypeAndReference() {
    String id = newId();
    StepVerifier.create(accounts.ensure(AccountRow.prepaid(id, "Top-up", 1_000)))
        .expectNext(true)
        .expectComplete()
        .verify(TIMEOUT);
    String payment = "pay-" + UUID.randomUUID();

    StepVerifier.create(accounts.credit(id, payment, "credit", 5_000_000_000L, "topup"))
        .expectNext(5_000_001_000L)
        .expectComplete()
        .verify(TIMEOUT);
    StepVerifier.create(accounts.credit(id, payment, "credit", 5_000_000_000L, "topup"))
        .as("a repeat is empty")
        .expectComplete()
        .verify(TIMEOUT);

    assertThat(balance(id)).isEqualTo(5_000_001_000L);
    assertThat(entries(id)).isEqualTo(1);

    // The same reference under another type is another movement (a refund of that payment).
    StepVerifier.create(accounts.credit(id, payment, "refund", 1_000, "refund"))
        .expectNext(5_000_002_000L)
        .expectComplete()
        .verify(TIMEOUT);
    assertThat(entries(id)).isEqualTo(2);
  }

  @Test
  void aReferenceReusedForAnotherAmountIsRefused() {
    String id = newId();
    StepVerifier.create(accounts.ensure(AccountRow.prepaid(id, "Top-up", 0)))
        .expectNext(true)
        .expectComplete()
        .verify(TIMEOUT);
    String reference = "adj-" + UUID.randomUUID();
    StepVerifier.create(accounts.credit(id, reference, "adjustment", 10, "adjustment"))
        .expectNext(10L)
        .expectComplete()
        .verify(TIMEOUT);

    StepVerifier.create(accounts.credit(id, reference, "adjustment", 20, "adjustment"))
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(reference))
        .verify(TIMEOUT);
    assertThat(balance(id)).isEqualTo(10);
  }

  @Test
  void creditToAnUnknownAccountFailsAndLeavesNoEntry() {
    String reference = "pay-" + UUID.randomUUID();
    StepVerifier.create(accounts.credit("no-such-account", reference, "credit", 10, "topup"))
        .expectError()
        .verify(TIMEOUT);
    assertThat(db.queryLong("SELECT count(*) FROM ledger_entries WHERE reference = ?", reference))
        .isZero();
  }

  @Test
  void creditRefusesDebitsAndNonPositiveAmounts() {
    assertThatThrownBy(() -> accounts.credit("a", "r", "debit", 10, "usage"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected: credit, refund or adjustment");
    assertThatThrownBy(() -> accounts.credit("a", "r", "credit", 0, "topup"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected: > 0");
  }
}
