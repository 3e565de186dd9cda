package dev.tollgate.billing.accounts;

import dev.tollgate.billing.internal.Sql;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Statement;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Redemption codes: an operator makes them ({@link #create}), an account redeems one ({@link
 * #redeem}) once, and a code is redeemed at most its {@code max_redemptions} times in all, however
 * many requests or instances send it at once: the code's row is counted up under its row lock, the
 * account's use is a primary key, and the ledger entry, the balance and the audit entry commit in
 * the same transaction. Codes are stored as SHA-256 hashes with a visible prefix.
 */
public final class RedemptionCodes {

  /** Most codes made at once. */
  public static final int MAX_COUNT = 1000;

  /** Characters visible in a code's prefix. */
  public static final int PREFIX_LENGTH = 8;

  /** Ledger references and Redis credit ids of redemptions start with this. */
  public static final String REFERENCE_PREFIX = "code:";

  // Crockford's base 32: no I, L, O, U to misread.
  private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  private static final String INSERT =
      "INSERT INTO redemption_codes (id, code_hash, prefix, amount_nanos, max_redemptions,"
          + " expires_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)";

  private static final String TAKE =
      "UPDATE redemption_codes SET redeemed = redeemed + 1 WHERE code_hash = $1"
          + " AND redeemed < max_redemptions AND (expires_at IS NULL OR expires_at > now())"
          + " RETURNING id, amount_nanos";

  private static final String WHY_NOT =
      "SELECT c.id, c.redeemed >= c.max_redemptions AS used_up,"
          + " coalesce(c.expires_at <= now(), false) AS expired,"
          + " EXISTS (SELECT 1 FROM code_redemptions r WHERE r.code_id = c.id"
          + " AND r.account_id = $2) AS mine FROM redemption_codes c WHERE c.code_hash = $1";

  private static final String USE =
      "INSERT INTO code_redemptions (code_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";

  private static final String ENTRY =
      "INSERT INTO ledger_entries (account_id, type, category, amount_nanos, reference)"
          + " VALUES ($1, 'credit', 'code', $2, $3)";

  private static final String CREDIT =
      "UPDATE accounts SET balance_nanos = balance_nanos + $2, updated_at = now()"
          + " WHERE id = $1 AND status <> 'deleted' RETURNING balance_nanos";

  private final ConnectionFactory connectionFactory;

  public RedemptionCodes(ConnectionFactory connectionFactory) {
    this.connectionFactory = Objects.requireNonNull(connectionFactory, "connectionFactory");
  }

  /** A code made: the code itself is in this answer only. */
  public record Created(
      String id,
      String code,
      String prefix,
      long amountNanos,
      int maxRedemptions,
      @Nullable Instant expiresAt) {}

  /** Why a redemption did or did not credit. */
  public enum Outcome {
    REDEEMED,
    NOT_FOUND,
    EXPIRED,
    USED_UP,
    ALREADY_REDEEMED,
    ACCOUNT_MISSING
  }

  /**
   * A redemption's answer; {@code codeId}, {@code amountNanos} and {@code balanceNanos} (in
   * PostgreSQL) only when {@link Outcome#REDEEMED}.
   */
  public record Redemption(
      Outcome outcome, @Nullable String codeId, long amountNanos, long balanceNanos) {

    static Redemption refused(Outcome outcome) {
      return new Redemption(outcome, null, 0, 0);
    }

    /** The ledger reference and Redis credit id of this redemption by {@code accountId}. */
    public String reference(String accountId) {
      return REFERENCE_PREFIX + codeId + ":" + accountId;
    }
  }

  /**
   * A new random code: 20 characters of base 32 (100 bits) in groups of five. {@link SecureRandom}
   * reads {@code /dev/urandom} (blocking): call it off the event loop.
   */
  public static String newCode() {
    StringBuilder out = new StringBuilder(23);
    for (int i = 0; i < 20; i++) {
      if (i > 0 && i % 5 == 0) {
        out.append('-');
      }
      out.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
    }
    return out.toString();
  }

  /**
   * Makes codes in one transaction with one audit entry ({@code code.create}, never the codes).
   *
   * @param codes the codes to store (random ones from {@link #newCode} or the operator's own)
   * @return the codes made; fails with the driver's integrity violation when one exists already
   */
  public Mono<List<Created>> create(
      List<String> codes,
      long amountNanos,
      int maxRedemptions,
      @Nullable Instant expiresAt,
      AuditEntry.Context audit) {
    Objects.requireNonNull(codes, "codes");
    Objects.requireNonNull(audit, "audit");
    if (codes.isEmpty() || codes.size() > MAX_COUNT) {
      throw new IllegalArgumentException(
          "codes: " + codes.size() + " (expected: 1.." + MAX_COUNT + ")");
    }
    if (amountNanos <= 0) {
      throw new IllegalArgumentException("amountNanos: " + amountNanos + " (expected: > 0)");
    }
    if (maxRedemptions <= 0) {
      throw new IllegalArgumentException("maxRedemptions: " + maxRedemptions + " (expected: > 0)");
    }
    // Ids come from SecureRandom, which reads /dev/urandom (blocking): made off the event loop.
    return Mono.fromCallable(
            () -> {
              List<Created> created = new ArrayList<>();
              for (String code : codes) {
                created.add(
                    new Created(
                        newId(),
                        code,
                        code.substring(0, Math.min(PREFIX_LENGTH, code.length())),
                        amountNanos,
                        maxRedemptions,
                        expiresAt));
              }
              return created;
            })
        .subscribeOn(Schedulers.boundedElastic())
        .flatMap(created -> insert(created, amountNanos, maxRedemptions, expiresAt, audit));
  }

  private Mono<List<Created>> insert(
      List<Created> created,
      long amountNanos,
      int maxRedemptions,
      @Nullable Instant expiresAt,
      AuditEntry.Context audit) {
    return Sql.inTransaction(
        connectionFactory,
        connection ->
            Flux.fromIterable(created)
                .concatMap(
                    c -> {
                      Statement insert =
                          connection
                              .createStatement(INSERT)
                              .bind(0, c.id())
                              .bind(1, hash(c.code()))
                              .bind(2, c.prefix())
                              .bind(3, amountNanos)
                              .bind(4, maxRedemptions)
                              .bind(6, audit.actor());
                      Sql.bind(insert, 5, expiresAt, Instant.class);
                      return Sql.rowsUpdated(insert.execute());
                    })
                .then(
                    Mono.defer(
                        () -> {
                          Map<String, @Nullable Object> after = new LinkedHashMap<>();
                          after.put("ids", created.stream().map(Created::id).toList());
                          after.put("amount_nanos", amountNanos);
                          after.put("max_redemptions", maxRedemptions);
                          after.put("expires_at", expiresAt == null ? null : expiresAt.toString());
                          return AuditLog.record(
                              connection,
                              audit.entry("code.create", created.get(0).id(), Map.of(), after));
                        }))
                .thenReturn(List.copyOf(created)));
  }

  /**
   * Redeems a code for an account, once: counts the code up (its row lock orders concurrent
   * redemptions), records the account's use, credits the balance with a ledger entry ({@code
   * credit}, category {@code code}, reference {@link Redemption#reference}) and records {@code
   * code.redeem}, all in one transaction. A refusal writes nothing.
   */
  public Mono<Redemption> redeem(String code, String accountId, AuditEntry.Context audit) {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(accountId, "accountId");
    Objects.requireNonNull(audit, "audit");
    String hash = hash(code);
    return Sql.inTransaction(
            connectionFactory,
            connection ->
                Sql.rows(
                        connection.createStatement(TAKE).bind(0, hash),
                        row ->
                            new Redemption(
                                Outcome.REDEEMED,
                                Sql.text(row, "id"),
                                Sql.longOf(row, "amount_nanos"),
                                0))
                    .next()
                    .flatMap(taken -> use(connection, taken, accountId, audit))
                    .switchIfEmpty(Mono.defer(() -> whyNot(connection, hash, accountId))))
        .onErrorResume(Refused.class, e -> Mono.just(Redemption.refused(e.outcome)));
  }

  private static Mono<Redemption> use(
      Connection connection, Redemption taken, String accountId, AuditEntry.Context audit) {
    String codeId = Objects.requireNonNull(taken.codeId());
    String reference = taken.reference(accountId);
    return Sql.rowsUpdated(
            connection.createStatement(USE).bind(0, codeId).bind(1, accountId).execute())
        .flatMap(
            used ->
                used == 0
                    // Roll the count back with the transaction.
                    ? Mono.error(new Refused(Outcome.ALREADY_REDEEMED))
                    : Sql.rows(
                            connection
                                .createStatement(CREDIT)
                                .bind(0, accountId)
                                .bind(1, taken.amountNanos()),
                            row -> Sql.longOf(row, "balance_nanos"))
                        .next()
                        .switchIfEmpty(Mono.error(() -> new Refused(Outcome.ACCOUNT_MISSING))))
        .flatMap(
            balance ->
                Sql.rowsUpdated(
                        connection
                            .createStatement(ENTRY)
                            .bind(0, accountId)
                            .bind(1, taken.amountNanos())
                            .bind(2, reference)
                            .execute())
                    .then(
                        Mono.defer(
                            () -> {
                              Map<String, @Nullable Object> after = new LinkedHashMap<>();
                              after.put("account_id", accountId);
                              after.put("amount_nanos", taken.amountNanos());
                              after.put("balance_nanos", balance);
                              return AuditLog.record(
                                  connection, audit.entry("code.redeem", codeId, Map.of(), after));
                            }))
                    .thenReturn(
                        new Redemption(Outcome.REDEEMED, codeId, taken.amountNanos(), balance)));
  }

  private static Mono<Redemption> whyNot(Connection connection, String hash, String accountId) {
    return Sql.rows(
            connection.createStatement(WHY_NOT).bind(0, hash).bind(1, accountId),
            row -> {
              if (Boolean.TRUE.equals(row.get("mine", Boolean.class))) {
                return Outcome.ALREADY_REDEEMED;
              }
              if (Boolean.TRUE.equals(row.get("expired", Boolean.class))) {
                return Outcome.EXPIRED;
              }
              return Outcome.USED_UP;
            })
        .next()
        .defaultIfEmpty(Outcome.NOT_FOUND)
        .map(Redemption::refused);
  }

  /** A refusal found inside the transaction, which it rolls back. */
  private static final class Refused extends RuntimeException {

    final Outcome outcome;

    Refused(Outcome outcome) {
      super(outcome.name(), null, false, false);
      this.outcome = outcome;
    }
  }

  static String hash(String code) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(code.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static String newId() {
    byte[] bytes = new byte[12];
    RANDOM.nextBytes(bytes);
    return "code_" + HexFormat.of().formatHex(bytes);
  }
}
