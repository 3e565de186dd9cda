package dev.tollgate.billing.accounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.billing.support.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** {@link PaymentRepository} against a real PostgreSQL. */
class PaymentRepositoryTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(15);
  private static final long EUR_10 = 10_000_000_000L;

  private static TestDatabase db;
  private static PaymentRepository payments;

  @BeforeAll
  static void setUp() {
    db = TestDatabase.create();
    payments = new PaymentRepository(db.pool, "EUR");
  }

  @AfterAll
  static void tearDown() {
    if (db != null) {
      db.close();
    }
  }

  private static String tx() {
    return "pi_" + UUID.randomUUID();
  }

  private static long balance(String account) {
    return db.queryLong("SELECT balance_nanos FROM accounts WHERE id = ?", account);
  }

  private static long count(String sql, Object... params) {
    return db.queryLong(sql, params);
  }

  @Test
  void aSucceededPaymentCreditsTheLedgerAndTheBalanceOnce() {
    String account = Fixtures.newAccount(db, 5);
    String tx = tx();

    PaymentResult first = payments.record(tx, account, EUR_10, "EUR", "succeeded").block(TIMEOUT);
    PaymentResult repeat = payments.record(tx, account, EUR_10, "EUR", "succeeded").block(TIMEOUT);

    assertThat(first.repeated()).isFalse();
    assertThat(first.balanceNanos()).isEqualTo(EUR_10 + 5);
    assertThat(first.payment().providerTransactionId()).isEqualTo(tx);
    assertThat(first.payment().appliedToRedis()).isFalse();
    assertThat(repeat.repeated()).isTrue();
    assertThat(repeat.payment()).isEqualTo(first.payment());
    assertThat(repeat.balanceNanos()).isNull();
    assertThat(balance(account)).isEqualTo(EUR_10 + 5);
    assertThat(
            count(
                "SELECT count(*) FROM ledger_entries WHERE account_id = ? AND type = 'credit'"
                    + " AND category = 'topup' AND reference = ? AND amount_nanos = ?",
                account,
                tx,
                EUR_10))
        .isEqualTo(1);
    assertThat(count("SELECT count(*) FROM payments WHERE provider_transaction_id = ?", tx))
        .isEqualTo(1);
  }

  @Test
  void concurrentDeliveriesOfOnePaymentCreditItOnce() {
    String account = Fixtures.newAccount(db, 0);
    String tx = tx();

    List<PaymentResult> results =
        Flux.range(0, 4)
            .flatMap(i -> payments.record(tx, account, EUR_10, "EUR", "succeeded"))
            .collectList()
            .block(TIMEOUT);

    assertThat(results).filteredOn(r -> !r.repeated()).hasSize(1);
    assertThat(results).filteredOn(PaymentResult::repeated).hasSize(3);
    assertThat(balance(account)).isEqualTo(EUR_10);
  }

  @Test
  void aRefundDebitsTheBalanceWhichMayGoNegative() {
    String account = Fixtures.newAccount(db, 0);
    String topUp = tx();
    payments.record(topUp, account, EUR_10, "EUR", "succeeded").block(TIMEOUT);
    db.execute("UPDATE accounts SET balance_nanos = 1000 WHERE id = ?", account); // spent
    String refund = "re_" + UUID.randomUUID();

    PaymentResult result =
        payments.record(refund, account, EUR_10, "EUR", "refunded").block(TIMEOUT);

    assertThat(result.balanceNanos()).isEqualTo(1000 - EUR_10);
    assertThat(balance(account)).isEqualTo(1000 - EUR_10);
    assertThat(
            count(
                "SELECT count(*) FROM ledger_entries WHERE account_id = ? AND type = 'debit'"
                    + " AND category = 'refund' AND reference = ?",
                account,
                "payment-refund:" + refund))
        .isEqualTo(1);
    StepVerifier.create(
            payments
                .record(refund, account, EUR_10, "EUR", "refunded")
                .map(PaymentResult::repeated))
        .expectNext(true)
        .expectComplete()
        .verify(TIMEOUT);
    assertThat(balance(account)).isEqualTo(1000 - EUR_10);
  }

  @Test
  void aFailedPaymentIsOnlyRecorded() {
    String account = Fixtures.newAccount(db, 7);
    String tx = tx();

    PaymentResult result = payments.record(tx, account, EUR_10, "EUR", "failed").block(TIMEOUT);

    assertThat(result.repeated()).isFalse();
    assertThat(result.balanceNanos()).isNull();
    assertThat(result.payment().status()).isEqualTo("failed");
    assertThat(balance(account)).isEqualTo(7);
    assertThat(count("SELECT count(*) FROM ledger_entries WHERE account_id = ?", account)).isZero();
  }

  @Test
  void aPaymentInAnotherCurrencyIsRecordedAsRefusedAndMovesNothingAlsoOnARepeat() {
    String account = Fixtures.newAccount(db, 11);
    String tx = tx();

    PaymentResult first =
        payments.record(tx, account, 1_000_000_000_000L, "JPY", "succeeded").block(TIMEOUT);
    PaymentResult repeat =
        payments.record(tx, account, 1_000_000_000_000L, "JPY", "succeeded").block(TIMEOUT);

    assertThat(first.repeated()).isFalse();
    assertThat(first.balanceNanos()).isNull();
    assertThat(first.payment().refusal()).isEqualTo(PaymentRepository.CURRENCY_MISMATCH);
    assertThat(repeat.repeated()).isTrue();
    assertThat(repeat.payment().refused()).isTrue();
    assertThat(balance(account)).isEqualTo(11);
    assertThat(count("SELECT count(*) FROM ledger_entries WHERE account_id = ?", account)).isZero();
    assertThat(
            count(
                "SELECT count(*) FROM payments WHERE provider_transaction_id = ?"
                    + " AND refusal = 'currency_mismatch'",
                tx))
        .isEqualTo(1);
    StepVerifier.create(payments.unapplied(1000).filter(p -> p.accountId().equals(account)))
        .expectComplete()
        .verify(TIMEOUT);
    // the same transaction id in the right currency is not a retry: it conflicts
    StepVerifier.create(payments.record(tx, account, 1_000_000_000_000L, "EUR", "succeeded"))
        .expectError(IllegalStateException.class)
        .verify(TIMEOUT);
    assertThat(balance(account)).isEqualTo(11);
  }

  @Test
  void aConflictingRepeatFailsAndChangesNothing() {
    String account = Fixtures.newAccount(db, 0);
    String tx = tx();
    payments.record(tx, account, EUR_10, "EUR", "succeeded").block(TIMEOUT);

    StepVerifier.create(payments.record(tx, account, EUR_10 + 1, "EUR", "succeeded"))
        .expectErrorMatches(e -> e instanceof IllegalStateException && e.getMessage().contains(tx))
        .verify(TIMEOUT);
    StepVerifier.create(payments.record(tx, account, EUR_10, "EUR", "refunded"))
        .expectError(IllegalStateException.class)
        .verify(TIMEOUT);
    assertThat(balance(account)).isEqualTo(EUR_10);
    assertThat(count("SELECT count(*) FROM ledger_entries WHERE account_id = ?", account))
        .isEqualTo(1);
  }

  @Test
  void aPaymentForAnUnknownAccountFailsAndLeavesNoRow() {
    String tx = tx();
    StepVerifier.create(payments.record(tx, "acct-missing", EUR_10, "EUR", "succeeded"))
        .expectError()
        .verify(TIMEOUT);
    assertThat(count("SELECT count(*) FROM payments WHERE provider_transaction_id = ?", tx))
        .isZero();
  }

  @Test
  void badInputIsRefusedWithWhatWasExpected() {
    assertThatThrownBy(() -> payments.record("tx", "a", 0, "EUR", "succeeded"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("amountNanos: 0 (expected: > 0)");
    assertThatThrownBy(() -> payments.record("tx", "a", 1, "eur", "succeeded"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ISO 4217");
    assertThatThrownBy(() -> payments.record("tx", "a", 1, "EUR", "pending"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("status: 'pending' (expected: succeeded, failed or refunded)");
    assertThatThrownBy(() -> payments.record(" ", "a", 1, "EUR", "succeeded"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> payments.unapplied(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PaymentRepository(db.pool, "usd"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ISO 4217");
  }

  @Test
  void theReconcilerSeesMoneyMovingPaymentsUntilMarkedApplied() {
    String account = Fixtures.newAccount(db, 0);
    String topUp = tx();
    String failed = tx();
    String refund = tx();
    payments.record(topUp, account, EUR_10, "EUR", "succeeded").block(TIMEOUT);
    payments.record(failed, account, EUR_10, "EUR", "failed").block(TIMEOUT);
    payments.record(refund, account, 1, "EUR", "refunded").block(TIMEOUT);

    StepVerifier.create(
            payments
                .unapplied(1000)
                .filter(p -> p.accountId().equals(account))
                .map(PaymentRow::providerTransactionId))
        .expectNext(topUp, refund)
        .expectComplete()
        .verify(TIMEOUT);
    StepVerifier.create(payments.markApplied(topUp))
        .expectNext(true)
        .expectComplete()
        .verify(TIMEOUT);
    StepVerifier.create(payments.markApplied(topUp))
        .expectNext(false)
        .expectComplete()
        .verify(TIMEOUT);
    StepVerifier.create(payments.markApplied("pi_unknown"))
        .expectNext(false)
        .expectComplete()
        .verify(TIMEOUT);
    StepVerifier.create(
            payments
                .unapplied(1000)
                .filter(p -> p.accountId().equals(account))
                .map(PaymentRow::providerTransactionId))
        .expectNext(refund)
        .expectComplete()
        .verify(TIMEOUT);
  }
}
