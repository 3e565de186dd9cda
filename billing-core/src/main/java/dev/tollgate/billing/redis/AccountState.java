package dev.tollgate.billing.redis;

import java.util.Objects;

/**
 * An account as cached in Redis, in nano-units.
 *
 * @param balance the top-up balance
 * @param subLeft the subscription allowance left this period
 * @param held the sum of the open holds
 * @param discountPpm the account discount, parts per million
 * @param status {@code active} or {@code suspended}
 */
public record AccountState(long balance, long subLeft, long held, long discountPpm, String status) {

  public AccountState {
    Objects.requireNonNull(status, "status");
  }

  /** What a new reservation may still take: balance plus allowance minus what is held. */
  public long available() {
    return balance + subLeft - held;
  }
}
