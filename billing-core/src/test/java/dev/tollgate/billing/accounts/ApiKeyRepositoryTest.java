package dev.tollgate.billing.accounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.billing.support.TestDatabase;
import io.r2dbc.spi.R2dbcDataIntegrityViolationException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** {@link ApiKeyRepository} against a real PostgreSQL. */
class ApiKeyRepositoryTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  private static TestDatabase db;
  private static ApiKeyRepository keys;

  @BeforeAll
  static void setUp() {
    db = TestDatabase.create();
    keys = new ApiKeyRepository(db.pool);
  }

  @AfterAll
  static void tearDown() {
    if (db != null) {
      db.close();
    }
  }

  @Test
  void aKeyIsStoredAsHashAndPrefixWithItsLimitsAndFoundByHash() {
    String account = Fixtures.newAccount(db, 0);
    NewKey secret = ApiKeys.generate();
    KeyLimits limits =
        new KeyLimits(
            5_000_000_000L,
            60,
            100_000,
            4,
            List.of("gpt-a", "claude-b"),
            Instant.parse("2027-01-01T00:00:00Z"));

    ApiKeyRow created = keys.create(account, "ci", limits, secret).block(TIMEOUT);

    assertThat(created.id()).matches("key_[0-9a-f]{20}");
    assertThat(created.accountId()).isEqualTo(account);
    assertThat(created.prefix()).isEqualTo(secret.prefix());
    assertThat(created.name()).isEqualTo("ci");
    assertThat(created.limits()).isEqualTo(limits);
    assertThat(created.status()).isEqualTo(ApiKeyStatus.ACTIVE);
    StepVerifier.create(keys.findByHash(ApiKeys.hash(secret.secret())))
        .expectNext(created)
        .expectComplete()
        .verify(TIMEOUT);
    // The secret itself is nowhere in the table.
    assertThat(
            db.queryLong(
                "SELECT count(*) FROM api_keys WHERE key_hash = ? OR prefix = ? OR name = ?",
                secret.secret(),
                secret.secret(),
                secret.secret()))
        .isZero();
  }

  @Test
  void noLimitsAreStoredAsNullsAndReadBackAsNone() {
    String account = Fixtures.newAccount(db, 0);
    ApiKeyRow created =
        keys.create(account, null, KeyLimits.NONE, ApiKeys.generate()).block(TIMEOUT);

    assertThat(created.limits()).isEqualTo(KeyLimits.NONE);
    assertThat(created.name()).isNull();
    assertThat(
            db.queryLong(
                "SELECT count(*) FROM api_keys WHERE id = ? AND allowed_models IS NULL",
                created.id()))
        .isEqualTo(1);
  }

  @Test
  void anUnknownHashFindsNothing() {
    StepVerifier.create(keys.findByHash(ApiKeys.hash("sk-gw-nope")))
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void aKeyForAnUnknownOrDeletedAccountIsRefused() {
    StepVerifier.create(keys.create("acct-missing", "x", KeyLimits.NONE, ApiKeys.generate()))
        .expectErrorMatches(
            e -> e instanceof IllegalArgumentException && e.getMessage().contains("acct-missing"))
        .verify(TIMEOUT);
    String deleted = Fixtures.newAccount(db, 0);
    db.execute("UPDATE accounts SET status = 'deleted' WHERE id = ?", deleted);
    StepVerifier.create(keys.create(deleted, "x", KeyLimits.NONE, ApiKeys.generate()))
        .expectError(IllegalArgumentException.class)
        .verify(TIMEOUT);
  }

  @Test
  void theSameKeyCannotBeStoredTwice() {
    String account = Fixtures.newAccount(db, 0);
    NewKey secret = ApiKeys.generate();
    keys.create(account, "a", KeyLimits.NONE, secret).block(TIMEOUT);

    StepVerifier.create(keys.create(account, "b", KeyLimits.NONE, secret))
        .expectError(R2dbcDataIntegrityViolationException.class)
        .verify(TIMEOUT);
  }

  @Test
  void badLimitsAreRefusedWithWhatWasExpected() {
    assertThatThrownBy(() -> new KeyLimits(-1L, null, null, null, List.of(), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("spendCapNanos: -1 (expected: >= 0)");
    assertThatThrownBy(() -> new KeyLimits(null, 0, null, null, List.of(), null))
        .hasMessage("rpm: 0 (expected: > 0)");
    assertThatThrownBy(() -> new KeyLimits(null, null, null, -2, List.of(), null))
        .hasMessage("maxConcurrent: -2 (expected: > 0)");
    assertThatThrownBy(() -> new KeyLimits(null, null, null, null, List.of(" "), null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void listingShowsAnAccountsKeysOldestFirstRevokedIncluded() {
    String account = Fixtures.newAccount(db, 0);
    String other = Fixtures.newAccount(db, 0);
    ApiKeyRow first =
        keys.create(account, "first", KeyLimits.NONE, ApiKeys.generate()).block(TIMEOUT);
    ApiKeyRow second =
        keys.create(account, "second", KeyLimits.NONE, ApiKeys.generate()).block(TIMEOUT);
    keys.create(other, "other", KeyLimits.NONE, ApiKeys.generate()).block(TIMEOUT);
    keys.revoke(first.id()).block(TIMEOUT);

    StepVerifier.create(keys.listByAccount(account).map(k -> k.name() + ":" + k.status()))
        .expectNext("first:REVOKED", "second:ACTIVE")
        .expectComplete()
        .verify(TIMEOUT);
    assertThat(second.status()).isEqualTo(ApiKeyStatus.ACTIVE);
  }

  @Test
  void revokingTwiceChangesOnceAndTheKeyIsStillFound() {
    String account = Fixtures.newAccount(db, 0);
    NewKey secret = ApiKeys.generate();
    ApiKeyRow key = keys.create(account, "k", KeyLimits.NONE, secret).block(TIMEOUT);

    StepVerifier.create(keys.revoke(key.id())).expectNext(true).expectComplete().verify(TIMEOUT);
    StepVerifier.create(keys.revoke(key.id())).expectNext(false).expectComplete().verify(TIMEOUT);
    StepVerifier.create(keys.revoke("key_unknown"))
        .expectNext(false)
        .expectComplete()
        .verify(TIMEOUT);
    StepVerifier.create(keys.findByHash(secret.hash()).map(ApiKeyRow::status))
        .expectNext(ApiKeyStatus.REVOKED)
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void revokeAllOfRevokesOnlyThatAccountsKeys() {
    String account = Fixtures.newAccount(db, 0);
    String other = Fixtures.newAccount(db, 0);
    keys.create(account, "a", KeyLimits.NONE, ApiKeys.generate()).block(TIMEOUT);
    keys.create(account, "b", KeyLimits.NONE, ApiKeys.generate()).block(TIMEOUT);
    ApiKeyRow kept = keys.create(other, "c", KeyLimits.NONE, ApiKeys.generate()).block(TIMEOUT);

    StepVerifier.create(keys.revokeAllOf(account))
        .expectNext(true)
        .expectComplete()
        .verify(TIMEOUT);
    StepVerifier.create(keys.revokeAllOf(account))
        .expectNext(false)
        .expectComplete()
        .verify(TIMEOUT);
    assertThat(
            db.queryLong(
                "SELECT count(*) FROM api_keys WHERE account_id = ? AND status = 'revoked'",
                account))
        .isEqualTo(2);
    assertThat(db.queryText("SELECT status FROM api_keys WHERE id = ?", kept.id()))
        .isEqualTo("active");
  }
}
