package dev.tollgate.billing.redis;

import java.util.Objects;

/**
 * The answer to a reserve.
 *
 * @param outcome granted, or why not
 * @param available nano-units still free for the account after this hold when granted; what was
 *     free when {@link Outcome#INSUFFICIENT}; what is left of the key's cap when {@link
 *     Outcome#SPEND_CAP_REACHED}; what is left of the key's budget when {@link
 *     Outcome#BUDGET_EXCEEDED}; 0 otherwise
 * @param holdAmount the hold's amount when granted (when the hold existed already, a retried
 *     reserve, its existing amount); 0 otherwise
 */
public record Reservation(Outcome outcome, long available, long holdAmount) {

  /** Why a reserve was or was not granted. */
  public enum Outcome {
    GRANTED,
    /** Not enough free funds; {@link #available} says how much is free. */
    INSUFFICIENT,
    /** The account is not in Redis: load it from PostgreSQL, then reserve again. */
    ACCOUNT_MISSING,
    /** The account is not active (suspended). */
    ACCOUNT_INACTIVE,
    /**
     * The key's spend cap would be passed; {@link #available} says how much of the cap is left
     * (spent and held subtracted).
     */
    SPEND_CAP_REACHED,
    /**
     * The key's budget for this period would be passed; {@link #available} says how much of it is
     * left.
     */
    BUDGET_EXCEEDED
  }

  public Reservation {
    Objects.requireNonNull(outcome, "outcome");
  }

  public Reservation(Outcome outcome, long available) {
    this(outcome, available, 0);
  }

  public boolean granted() {
    return outcome == Outcome.GRANTED;
  }
}
