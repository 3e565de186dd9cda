package dev.tollgate.billing.accounts;

import java.util.Locale;

/** Whether a key may be used. Revoked keys are kept: usage history refers to them. */
public enum ApiKeyStatus {
  ACTIVE,
  REVOKED;

  /** The lower-case name used in APIs and storage. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The status of a stored name. */
  public static ApiKeyStatus fromWireName(String name) {
    for (ApiKeyStatus status : values()) {
      if (status.wireName().equals(name)) {
        return status;
      }
    }
    throw new IllegalArgumentException("key status: '" + name + "' (expected: active or revoked)");
  }
}
