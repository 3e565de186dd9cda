package dev.tollgate.billing.redis;

/**
 * The answer to an extend. The checkpoint and the new expiry are written whenever the hold exists,
 * granted or not.
 *
 * @param granted whether the hold grew by the amount asked for
 * @param holdMissing the hold does not exist (already settled or reaped); nothing was written
 * @param holdAmountOrAvailable the hold's new amount when granted; the free funds when refused
 */
public record Extension(boolean granted, boolean holdMissing, long holdAmountOrAvailable) {}
