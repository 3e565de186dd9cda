package dev.tollgate.billing.redis;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.zip.CRC32;

/**
 * The Redis key layout of billing. Accounts are spread over a fixed number of buckets; every key of
 * an account, and its bucket's hold index and outbox, carry the bucket's hash tag {@code {bN}} so
 * that one Lua script only ever touches one Redis Cluster slot.
 *
 * <pre>
 * P:{bN}:acct:&lt;accountId&gt;   hash: balance, sub_left, sub_period, held, discount_ppm, status,
 *                            key_spent:&lt;keyId&gt;, key_held:&lt;keyId&gt;
 * P:{bN}:hold:&lt;requestId&gt;   hash: the hold of one running request
 * P:{bN}:holds               zset: requestId by expiry (ms), for the reaper
 * P:{bN}:outbox              stream: settled charges waiting for PostgreSQL
 * P:{bN}:credit:&lt;creditId&gt;  string: marks a credit as applied (idempotency)
 * </pre>
 *
 * @param prefix the first part of every key ({@code gw} by default; tests use one per run)
 * @param buckets how many buckets (default 64); changing it re-maps accounts, so it is fixed
 */
public record BillingKeys(String prefix, int buckets) {

  public BillingKeys {
    Objects.requireNonNull(prefix, "prefix");
    if (prefix.isBlank() || prefix.contains("{") || prefix.contains("}")) {
      throw new IllegalArgumentException(
          "prefix: '" + prefix + "' (expected: non-empty, no braces)");
    }
    if (buckets <= 0 || buckets > 16384) {
      throw new IllegalArgumentException("buckets: " + buckets + " (expected: 1..16384)");
    }
  }

  /** The bucket of an account: CRC-32 of its id's UTF-8 bytes, modulo the bucket count. */
  public int bucketOf(String accountId) {
    CRC32 crc = new CRC32();
    crc.update(accountId.getBytes(StandardCharsets.UTF_8));
    return (int) (crc.getValue() % buckets);
  }

  private int requireBucket(int bucket) {
    if (bucket < 0 || bucket >= buckets) {
      throw new IllegalArgumentException(
          "bucket: " + bucket + " (expected: 0.." + (buckets - 1) + ")");
    }
    return bucket;
  }

  private String base(int bucket) {
    return prefix + ":{b" + bucket + "}:";
  }

  public String account(String accountId) {
    return base(bucketOf(accountId)) + "acct:" + accountId;
  }

  /** A request's hold lives in its account's bucket. */
  public String hold(String accountId, String requestId) {
    return base(bucketOf(accountId)) + "hold:" + requestId;
  }

  /**
   * A hold by its bucket and request id, for the reaper, which finds request ids in a bucket's
   * {@link #holds} index without their account.
   */
  public String hold(int bucket, String requestId) {
    return base(requireBucket(bucket)) + "hold:" + requestId;
  }

  public String holds(int bucket) {
    return base(bucket) + "holds";
  }

  public String outbox(int bucket) {
    return base(bucket) + "outbox";
  }

  public String credit(String accountId, String creditId) {
    return base(bucketOf(accountId)) + "credit:" + creditId;
  }
}
