package dev.tollgate.billing.redis;

/**
 * The answer to a settle.
 *
 * @param settled false when the request was settled already (or the reaper found the hold still
 *     live): nothing was charged or written
 * @param charged nano-units debited: the cost unless funds ran short
 * @param fromAllowance the part of {@code charged} taken from the subscription allowance
 * @param fromBalance the part of {@code charged} taken from the top-up balance
 */
public record Settlement(boolean settled, long charged, long fromAllowance, long fromBalance) {

  static final Settlement NOT_SETTLED = new Settlement(false, 0, 0, 0);
}
