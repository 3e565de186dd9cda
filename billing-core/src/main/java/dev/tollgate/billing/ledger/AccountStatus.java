package dev.tollgate.billing.ledger;

import java.util.Locale;

/** Whether an account may spend. */
public enum AccountStatus {
  ACTIVE,
  /** Kept, but refused new requests (unpaid, abuse, on request). */
  SUSPENDED,
  /** Soft-deleted: kept for the ledger's sake, never used again. */
  DELETED;

  /** The lower-case name used in APIs and storage. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The status of a stored name ({@code active}, ...). */
  public static AccountStatus fromWireName(String name) {
    for (AccountStatus status : values()) {
      if (status.wireName().equals(name)) {
        return status;
      }
    }
    throw new IllegalArgumentException(
        "account status: '" + name + "' (expected: active, suspended or deleted)");
  }
}
