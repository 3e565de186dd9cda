package dev.tollgate.billing.ledger;

import java.time.Instant;
import java.time.Period;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An account as stored in PostgreSQL, the system of record. Money in nano-units.
 *
 * @param ownerSubject who owns the account (the identity provider's subject), if known
 * @param balanceNanos the top-up balance
 * @param allowanceNanos the subscription allowance granted each period
 * @param allowanceLeftNanos what is left of this period's allowance
 * @param allowancePeriod the ISO-8601 period of the allowance ({@code P30D}, {@code P1M}), or
 *     {@code null} when the account has no subscription
 * @param discountPpm the account discount, parts per million
 * @param periodStartedAt when the allowance's current period started, or {@code null} when the
 *     account has no subscription (or was not read from PostgreSQL)
 */
public record AccountRow(
    String id,
    String name,
    @Nullable String ownerSubject,
    long balanceNanos,
    long allowanceNanos,
    long allowanceLeftNanos,
    @Nullable String allowancePeriod,
    long discountPpm,
    AccountStatus status,
    @Nullable Instant periodStartedAt) {

  public AccountRow {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(status, "status");
    if (id.isBlank()) {
      throw new IllegalArgumentException("id: '' (expected: non-blank)");
    }
    if (allowanceNanos < 0) {
      throw new IllegalArgumentException("allowanceNanos: " + allowanceNanos + " (expected: >= 0)");
    }
    if (discountPpm < 0 || discountPpm > 1_000_000) {
      throw new IllegalArgumentException("discountPpm: " + discountPpm + " (expected: 0..1000000)");
    }
    if (allowancePeriod != null) {
      try {
        Period.parse(allowancePeriod);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(
            "allowancePeriod: '" + allowancePeriod + "' (expected: an ISO-8601 period like P30D)",
            e);
      }
    }
  }

  /** An account as created: its period start is PostgreSQL's to set. */
  public AccountRow(
      String id,
      String name,
      @Nullable String ownerSubject,
      long balanceNanos,
      long allowanceNanos,
      long allowanceLeftNanos,
      @Nullable String allowancePeriod,
      long discountPpm,
      AccountStatus status) {
    this(
        id,
        name,
        ownerSubject,
        balanceNanos,
        allowanceNanos,
        allowanceLeftNanos,
        allowancePeriod,
        discountPpm,
        status,
        null);
  }

  /** A new active account with a top-up balance only: no subscription, no discount. */
  public static AccountRow prepaid(String id, String name, long balanceNanos) {
    return new AccountRow(id, name, null, balanceNanos, 0, 0, null, 0, AccountStatus.ACTIVE);
  }
}
