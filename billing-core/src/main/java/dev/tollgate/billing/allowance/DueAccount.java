package dev.tollgate.billing.allowance;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An account whose allowance period has ended (or whose end is not worked out yet), as read from
 * PostgreSQL.
 *
 * @param allowanceNanos the allowance granted each period
 * @param allowancePeriod its ISO-8601 period, as stored
 * @param periodStartedAt the current period's start as stored: the renewal's optimistic check
 * @param anchor when the first period started (the stored start, or the account's creation, when no
 *     anchor is stored)
 */
public record DueAccount(
    String id,
    long allowanceNanos,
    String allowancePeriod,
    @Nullable Instant periodStartedAt,
    Instant anchor) {

  public DueAccount {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(allowancePeriod, "allowancePeriod");
    Objects.requireNonNull(anchor, "anchor");
  }
}
