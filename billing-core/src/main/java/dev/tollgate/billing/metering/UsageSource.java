package dev.tollgate.billing.metering;

/** Where a usage record's token counts came from. */
public enum UsageSource {
  /** The upstream reported the usage; the authority. */
  REPORTED,
  /** The response finished but the upstream reported no usage: counted locally. */
  ESTIMATED,
  /**
   * The response was cut short (client cancel, upstream fault): what was delivered, counted
   * locally.
   */
  PARTIAL;

  /** The lower-case name used in APIs and storage. */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
