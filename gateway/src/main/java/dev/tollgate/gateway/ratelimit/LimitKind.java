package dev.tollgate.gateway.ratelimit;

/** What a per-minute limit counts; names the headers and the error type OpenAI uses for it. */
public enum LimitKind {
  REQUESTS("requests", "RPM"),
  TOKENS("tokens", "TPM");

  private final String wireName;
  private final String abbreviation;

  LimitKind(String wireName, String abbreviation) {
    this.wireName = wireName;
    this.abbreviation = abbreviation;
  }

  /** {@code requests} or {@code tokens}: the header suffix and the error {@code type}. */
  public String wireName() {
    return wireName;
  }

  /** {@code RPM} or {@code TPM}, as in OpenAI's messages. */
  public String abbreviation() {
    return abbreviation;
  }
}
