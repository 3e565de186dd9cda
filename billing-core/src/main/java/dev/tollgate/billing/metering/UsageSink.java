package dev.tollgate.billing.metering;

/**
 * Receives the usage record of every finished request. Billing implements it to settle charges.
 * Called once per request, on whatever thread ended the request (often an event loop): an
 * implementation must not block, and must not throw for a well-formed record.
 */
@FunctionalInterface
public interface UsageSink {

  void accept(UsageRecord record);
}
