package dev.tollgate.billing.accounts;

import dev.tollgate.billing.support.TestDatabase;
import java.time.Instant;
import java.util.UUID;

/** Accounts and usage rows written straight through JDBC, on the test thread. */
final class Fixtures {

  /** Usage row {@code g} starts at {@code BASE + g / 2} seconds: pairs share a start time. */
  static final Instant BASE = Instant.parse("2026-03-01T10:00:00.000001Z");

  private static final String INSERT_USAGE =
      """
      INSERT INTO usage_events (request_id, account_id, key_id, model, provider, status, source,
          prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, cost_nanos,
          charged_nanos, from_allowance_nanos, from_balance_nanos, uncollected_nanos,
          price_version, markup_ppm, discount_ppm, started_at, ttft_ms, duration_ms, settled_at)
      SELECT ? || lpad(g::text, 7, '0'), ?, 'key-1',
             CASE WHEN g % 2 = 0 THEN 'gpt-a' ELSE 'gpt-b' END, 'openai', 'completed', 'reported',
             g, 2 * g, 0, 0, 1000 + g, 1000 + g, 0, 1000 + g, 0, 'v1', 0, 0,
             ?::timestamptz + (g / 2) * interval '1 second',
             CASE WHEN g % 3 = 0 THEN NULL ELSE 100 END, 500,
             ?::timestamptz + (g / 2) * interval '1 second' + interval '500 milliseconds'
      FROM generate_series(1, ?) AS g
      """;

  private Fixtures() {}

  static String newAccount(TestDatabase db, long balanceNanos) {
    String id = "acct-" + UUID.randomUUID();
    db.execute(
        "INSERT INTO accounts (id, name, owner_subject, balance_nanos) VALUES (?, ?, ?, ?)",
        id,
        "Name of " + id,
        "subject-" + id,
        balanceNanos);
    return id;
  }

  /** Usage rows {@code <prefix>0000001..count}, row g starting at {@code base + g / 2} seconds. */
  static int insertUsage(
      TestDatabase db, String prefix, String accountId, int count, Instant base) {
    return db.execute(INSERT_USAGE, prefix, accountId, base.toString(), base.toString(), count);
  }

  static String requestId(String prefix, int g) {
    return prefix + String.format("%07d", g);
  }
}
