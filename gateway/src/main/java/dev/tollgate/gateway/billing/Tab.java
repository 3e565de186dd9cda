package dev.tollgate.gateway.billing;

import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.billing.metering.RequestStatus;
import dev.tollgate.billing.metering.UsageRecord;
import reactor.core.publisher.Mono;

/**
 * The money side of one running request: a hold on the account that grows while the response
 * streams, and one settlement at the end. Methods are called from the request's event-loop thread;
 * none of them blocks.
 */
public interface Tab {

  /** What {@link #admit} decided about the next event. */
  enum Admission {
    /** The hold covers it: deliver it. */
    ADMIT,
    /** The hold does not cover it and cannot grow: do not deliver it; the stream ends here. */
    REFUSE,
    /**
     * The hold does not cover it and an extension is on its way: hold the event back until {@link
     * #extensionAnswered} completes, then ask again.
     */
    WAIT
  }

  /**
   * Asks whether the response may grow to these totals (local counts, the next event included).
   * Extends the hold, asynchronously, when the cost of what was generated nears it, and always
   * before an event would cost more than the hold: such an event is never admitted before the
   * extension has answered.
   */
  Admission admit(long promptTokens, long completionTokens, long reasoningTokens);

  /**
   * Completes once the extension in flight has answered (at once when none is): after a {@link
   * Admission#WAIT}, the caller asks {@link #admit} again then. Never fails.
   */
  default Mono<Void> extensionAnswered() {
    return Mono.empty();
  }

  /**
   * From now on, prices the request as {@code model}: the model that serves it, when a fallback
   * model does. Called before anything was delivered; the tab's hold stays as it is and grows as
   * usual if the new price needs more. The default keeps the price (tabs that charge nothing).
   */
  default void serveAs(String model) {}

  /** The cost of a usage, in nano-units, with this request's price, markup and discount. */
  long cost(TokenUsage usage);

  /**
   * What settling {@code record} charges when the account can pay it: its usage's cost, or nothing
   * when nothing was served (an upstream failure before the first token is free).
   */
  default long charge(UsageRecord record) {
    boolean served = record.totalTokens() > 0 || record.status() == RequestStatus.COMPLETED;
    return served ? cost(usageOf(record)) : 0;
  }

  /** Settles the request: debits its cost and releases the hold. Called once; asynchronous. */
  void settle(UsageRecord record);

  /** The token counts of a record. */
  static TokenUsage usageOf(UsageRecord r) {
    return new TokenUsage(
        r.promptTokens(),
        r.completionTokens(),
        r.cachedPromptTokens(),
        r.reasoningTokens(),
        r.cacheWriteTokens(),
        r.cacheWrite1hTokens());
  }
}
