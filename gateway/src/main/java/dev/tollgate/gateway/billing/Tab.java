package dev.tollgate.gateway.billing;

import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.billing.metering.UsageRecord;

/**
 * The money side of one running request: a hold on the account that grows while the response
 * streams, and one settlement at the end. Methods are called from the request's event-loop thread;
 * none of them blocks.
 */
public interface Tab {

  /**
   * Asks whether the response may grow to these totals (local counts, the next event included).
   * Extends the hold, asynchronously, when the cost of what was generated nears it.
   *
   * @return false when that would cost more than the hold and the hold could not be extended: the
   *     event must not be delivered, and the stream ends here
   */
  boolean admit(long promptTokens, long completionTokens, long reasoningTokens);

  /**
   * From now on, prices the request as {@code model}: the model that serves it, when a fallback
   * model does. Called before anything was delivered; the tab's hold stays as it is and grows as
   * usual if the new price needs more. The default keeps the price (tabs that charge nothing).
   */
  default void serveAs(String model) {}

  /** The cost of a usage, in nano-units, with this request's price, markup and discount. */
  long cost(TokenUsage usage);

  /** Settles the request: debits its cost and releases the hold. Called once; asynchronous. */
  void settle(UsageRecord record);
}
