package dev.tollgate.billing.support;

import dev.tollgate.billing.ledger.SettledCharge;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** Settled charges for tests, consistent by construction (charged = allowance + balance part). */
public final class Charges {

  /** 2026-01-01T00:00:00.123Z: milliseconds must survive the trip to timestamptz. */
  public static final long STARTED_AT_MS = 1_767_225_600_123L;

  private Charges() {}

  public static SettledCharge charge(
      String accountId, long cost, long fromAllowance, long fromBalance) {
    long charged = fromAllowance + fromBalance;
    return new SettledCharge(
        "0-0",
        "req-" + UUID.randomUUID(),
        accountId,
        "key-1",
        "gpt-test",
        "openai",
        charged == cost ? "completed" : "cancelled",
        charged == cost ? "reported" : "partial",
        1200,
        340,
        200,
        50,
        100,
        40,
        cost,
        charged,
        fromAllowance,
        fromBalance,
        cost - charged,
        "v7",
        250_000,
        100_000,
        STARTED_AT_MS,
        cost == 0 ? -1 : 420,
        1_500,
        STARTED_AT_MS + 1_500,
        null);
  }

  public static SettledCharge withStreamId(SettledCharge c, String streamId) {
    return copy(c, streamId, c.keyId(), c.subPeriodMs());
  }

  /** The same charge, drawn from the allowance period starting at {@code periodMs}. */
  public static SettledCharge inPeriod(SettledCharge c, long periodMs) {
    return copy(c, c.streamId(), c.keyId(), periodMs);
  }

  /** The same charge, made with another key. */
  public static SettledCharge byKey(SettledCharge c, String keyId) {
    return copy(c, c.streamId(), keyId, c.subPeriodMs());
  }

  private static SettledCharge copy(
      SettledCharge c, String streamId, String keyId, @Nullable Long subPeriodMs) {
    return new SettledCharge(
        streamId,
        c.requestId(),
        c.accountId(),
        keyId,
        c.model(),
        c.provider(),
        c.status(),
        c.source(),
        c.promptTokens(),
        c.completionTokens(),
        c.cachedTokens(),
        c.reasoningTokens(),
        c.cacheWriteTokens(),
        c.cacheWrite1hTokens(),
        c.cost(),
        c.charged(),
        c.fromAllowance(),
        c.fromBalance(),
        c.uncollected(),
        c.priceVersion(),
        c.markupPpm(),
        c.discountPpm(),
        c.startedAtMs(),
        c.ttftMs(),
        c.durationMs(),
        c.settledAtMs(),
        subPeriodMs);
  }
}
