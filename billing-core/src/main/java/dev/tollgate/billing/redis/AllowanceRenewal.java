package dev.tollgate.billing.redis;

/**
 * What renewing a cached account's allowance did ({@link HoldStore#renewAllowance}). Every outcome
 * leaves Redis consistent with the PostgreSQL renewal it followed.
 */
public enum AllowanceRenewal {
  /** The hash was on an older period: its allowance left is now the full allowance. */
  RENEWED,
  /** The hash is on this period or a later one already (a repeat, or a load after the renewal). */
  ALREADY_CURRENT,
  /** The account is not cached; a later load brings PostgreSQL's renewed values. */
  ACCOUNT_MISSING
}
