package dev.tollgate.billing.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.billing.support.TestDatabase;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** {@link AccountDeletion} against a real PostgreSQL. */
class AccountDeletionTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  private static TestDatabase db;
  private static AccountDeletion deletion;
  private static ApiKeyRepository keys;
  private static PaymentRepository payments;

  @BeforeAll
  static void setUp() {
    db = TestDatabase.create();
    deletion = new AccountDeletion(db.pool);
    keys = new ApiKeyRepository(db.pool);
    payments = new PaymentRepository(db.pool, "EUR");
  }

  @AfterAll
  static void tearDown() {
    if (db != null) {
      db.close();
    }
  }

  private static long count(String sql, String account) {
    return db.queryLong(sql, account);
  }

  private static String populated(String prefix) {
    String account = Fixtures.newAccount(db, 0);
    keys.create(account, "k1", KeyLimits.NONE, ApiKeys.generate()).block(TIMEOUT);
    keys.create(account, "k2", KeyLimits.NONE, ApiKeys.generate()).block(TIMEOUT);
    Fixtures.insertUsage(db, prefix, account, 40, Fixtures.BASE);
    payments.record("pi_" + prefix, account, 3_000, "EUR", "succeeded").block(TIMEOUT);
    db.execute(
        "INSERT INTO ledger_entries (account_id, type, category, amount_nanos, reference)"
            + " VALUES (?, 'debit', 'usage', 1001, ?)",
        account,
        Fixtures.requestId(prefix, 1));
    db.execute("UPDATE accounts SET balance_nanos = balance_nanos - 1001 WHERE id = ?", account);
    return account;
  }

  @Test
  void deletesKeysAndUsageKeepsTheBooksAndAnonymisesTheAccount() {
    String account = populated("req-del-");
    String other = populated("req-keep-");

    StepVerifier.create(deletion.delete(account)).expectComplete().verify(TIMEOUT);

    assertThat(count("SELECT count(*) FROM api_keys WHERE account_id = ?", account)).isZero();
    assertThat(count("SELECT count(*) FROM usage_events WHERE account_id = ?", account)).isZero();
    assertThat(count("SELECT count(*) FROM ledger_entries WHERE account_id = ?", account))
        .isEqualTo(2);
    assertThat(count("SELECT count(*) FROM payments WHERE account_id = ?", account)).isEqualTo(1);
    assertThat(db.queryText("SELECT name FROM accounts WHERE id = ?", account)).isEmpty();
    assertThat(db.queryText("SELECT owner_subject FROM accounts WHERE id = ?", account)).isNull();
    assertThat(db.queryText("SELECT status FROM accounts WHERE id = ?", account))
        .isEqualTo("deleted");
    assertThat(count("SELECT balance_nanos FROM accounts WHERE id = ?", account)).isEqualTo(1999);
    // Another account is untouched.
    assertThat(count("SELECT count(*) FROM api_keys WHERE account_id = ?", other)).isEqualTo(2);
    assertThat(count("SELECT count(*) FROM usage_events WHERE account_id = ?", other))
        .isEqualTo(40);
    assertThat(db.queryText("SELECT status FROM accounts WHERE id = ?", other)).isEqualTo("active");
    assertThat(db.queryText("SELECT name FROM accounts WHERE id = ?", other))
        .isEqualTo("Name of " + other);
  }

  @Test
  void deletingTwiceIsHarmlessAndNoKeyCanBeCreatedAfterwards() {
    String account = populated("req-twice-");

    StepVerifier.create(deletion.delete(account)).expectComplete().verify(TIMEOUT);
    StepVerifier.create(deletion.delete(account)).expectComplete().verify(TIMEOUT);
    StepVerifier.create(keys.create(account, "late", KeyLimits.NONE, ApiKeys.generate()))
        .expectError(IllegalArgumentException.class)
        .verify(TIMEOUT);
  }

  @Test
  void anUnknownAccountIsAnError() {
    StepVerifier.create(deletion.delete("acct-missing"))
        .expectErrorMatches(
            e -> e instanceof IllegalArgumentException && e.getMessage().contains("acct-missing"))
        .verify(TIMEOUT);
  }
}
