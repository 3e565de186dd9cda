package dev.tollgate.gateway.config;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.billing.*}: how requests are paid for.
 *
 * @param enabled false runs without Redis and PostgreSQL: nothing is reserved or charged (costs are
 *     still computed and shown); for development and for measuring billing's overhead
 * @param redisPrefix the first part of every billing key in Redis
 * @param buckets how many account buckets (hash tags) billing uses in Redis; fixed for a deployment
 * @param holdTtl how long a hold lives without a checkpoint before the reaper settles it
 * @param defaultOutputReserve output tokens reserved for a request that sets no {@code max_tokens}
 * @param extendAtPercent a stream's hold is extended when its metered cost reaches this share
 * @param demo the account that {@code gateway.dev-keys} pay from
 * @param flusher the outbox flusher that writes settled charges to PostgreSQL
 * @param reaperInterval how often expired holds are looked for
 * @param instanceId this instance's name in the outbox consumer group; host and pid when absent
 * @param currency the currency every amount is in (ISO 4217 code), as shown to account owners
 * @param allowanceRenewalInterval how often accounts whose allowance period ended are renewed
 * @param allowanceRenewalInitialDelay how long after start-up the first renewal runs
 * @param checkpointEveryTokens the most output tokens a stream delivers beyond its last checkpoint
 *     in Redis (what the reaper charges if the gateway dies): a checkpoint is written every half of
 *     it, and an event that would pass it waits for the checkpoint in flight
 */
@ConfigurationProperties("gateway.billing")
public record BillingProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("gw") String redisPrefix,
    @DefaultValue("64") int buckets,
    @DefaultValue("10m") Duration holdTtl,
    @DefaultValue("1024") int defaultOutputReserve,
    @DefaultValue("80") int extendAtPercent,
    @DefaultValue Demo demo,
    @DefaultValue Flusher flusher,
    @DefaultValue("30s") Duration reaperInterval,
    @Nullable String instanceId,
    @DefaultValue("USD") String currency,
    @DefaultValue("1m") Duration allowanceRenewalInterval,
    @DefaultValue("10s") Duration allowanceRenewalInitialDelay,
    @DefaultValue("256") int checkpointEveryTokens) {

  public BillingProperties {
    if (allowanceRenewalInterval == null
        || allowanceRenewalInterval.isNegative()
        || allowanceRenewalInterval.isZero()) {
      throw new IllegalArgumentException(
          "gateway.billing.allowance-renewal-interval: "
              + allowanceRenewalInterval
              + " (expected: > 0)");
    }
    if (checkpointEveryTokens < 2) {
      throw new IllegalArgumentException(
          "gateway.billing.checkpoint-every-tokens: "
              + checkpointEveryTokens
              + " (expected: >= 2)");
    }
    if (allowanceRenewalInitialDelay == null || allowanceRenewalInitialDelay.isNegative()) {
      throw new IllegalArgumentException(
          "gateway.billing.allowance-renewal-initial-delay: "
              + allowanceRenewalInitialDelay
              + " (expected: >= 0)");
    }
  }

  /**
   * The demo account, created when missing.
   *
   * @param balance its starting balance, decimal in the account currency
   */
  public record Demo(
      @DefaultValue("demo") String id,
      @DefaultValue("Demo account") String name,
      @DefaultValue("10.00") String balance) {}

  /**
   * @param batchSize entries written to PostgreSQL in one transaction
   * @param pollInterval pause when the outbox is empty
   * @param claimIdle pending entries of another instance idle this long are taken over
   */
  public record Flusher(
      @DefaultValue("500") int batchSize,
      @DefaultValue("100ms") Duration pollInterval,
      @DefaultValue("60s") Duration claimIdle) {}
}
