package dev.tollgate.billing.metering;

/** How a request ended. */
public enum RequestStatus {
  /** The upstream finished the response and the client received it. */
  COMPLETED,
  /** The client went away before the response finished; the upstream request was cancelled. */
  CANCELLED,
  /** The upstream failed: an error answer, a broken stream, an unreachable server. */
  UPSTREAM_ERROR,
  /** The upstream did not answer, or went quiet, for longer than its timeout. */
  TIMEOUT,
  /** The gateway ended the stream because the account's funds ran out. */
  CUT_OFF,
  /** A gateway died mid-request; the reaper settled the hold at its last checkpoint. */
  ABANDONED;

  /** The lower-case name used in APIs and storage. */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
