package dev.tollgate.billing.support;

import dev.tollgate.billing.ledger.SettledCharge;
import dev.tollgate.billing.redis.BillingKeys;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The local Redis ({@code redis://127.0.0.1:6379}) with a key prefix of its own ({@code t<hex>});
 * its keys are deleted on {@link #close()}. Sync commands: JUnit thread only.
 */
public final class TestRedis implements AutoCloseable {

  public final RedisClient client;
  public final StatefulRedisConnection<String, String> connection;
  public final BillingKeys keys;

  public TestRedis(int buckets) {
    client = RedisClient.create("redis://127.0.0.1:6379");
    connection = client.connect();
    keys =
        new BillingKeys(
            "t" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()), buckets);
  }

  public RedisCommands<String, String> sync() {
    return connection.sync();
  }

  /**
   * Appends charges to their buckets' outboxes as the settle script does.
   *
   * @return the charges with the stream ids they were given
   */
  public List<SettledCharge> xadd(List<SettledCharge> charges) {
    List<SettledCharge> added = new ArrayList<>();
    for (SettledCharge c : charges) {
      String id = sync().xadd(keys.outbox(keys.bucketOf(c.accountId())), fields(c));
      added.add(Charges.withStreamId(c, id));
    }
    return added;
  }

  /** All entries still in the outbox streams. */
  public long outboxLength() {
    long total = 0;
    for (int b = 0; b < keys.buckets(); b++) {
      total += sync().xlen(keys.outbox(b));
    }
    return total;
  }

  /** Entries delivered to the group's consumers and not acknowledged, over all buckets. */
  public long pending(String group) {
    long total = 0;
    for (int b = 0; b < keys.buckets(); b++) {
      if (sync().exists(keys.outbox(b)) == 1 && !sync().xinfoGroups(keys.outbox(b)).isEmpty()) {
        total += sync().xpending(keys.outbox(b), group).getCount();
      }
    }
    return total;
  }

  /** Entries ever delivered to the group, over all buckets ({@code entries-read}, Redis 7+). */
  public long delivered(String group) {
    long total = 0;
    for (int b = 0; b < keys.buckets(); b++) {
      if (sync().exists(keys.outbox(b)) == 0) {
        continue;
      }
      for (Object info : sync().xinfoGroups(keys.outbox(b))) {
        List<?> pairs = (List<?>) info;
        Map<String, Object> fields = new HashMap<>();
        for (int i = 0; i + 1 < pairs.size(); i += 2) {
          fields.put(String.valueOf(pairs.get(i)), pairs.get(i + 1));
        }
        if (group.equals(fields.get("name")) && fields.get("entries-read") instanceof Long n) {
          total += n;
        }
      }
    }
    return total;
  }

  public static Map<String, String> fields(SettledCharge c) {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("request_id", c.requestId());
    f.put("account_id", c.accountId());
    f.put("key_id", c.keyId());
    f.put("model", c.model());
    f.put("provider", c.provider());
    f.put("status", c.status());
    f.put("source", c.source());
    f.put("prompt_tokens", Long.toString(c.promptTokens()));
    f.put("completion_tokens", Long.toString(c.completionTokens()));
    f.put("cached_tokens", Long.toString(c.cachedTokens()));
    f.put("reasoning_tokens", Long.toString(c.reasoningTokens()));
    f.put("cache_write_tokens", Long.toString(c.cacheWriteTokens()));
    f.put("cache_write_1h_tokens", Long.toString(c.cacheWrite1hTokens()));
    f.put("cost", Long.toString(c.cost()));
    f.put("charged", Long.toString(c.charged()));
    f.put("from_allowance", Long.toString(c.fromAllowance()));
    f.put("from_balance", Long.toString(c.fromBalance()));
    f.put("uncollected", Long.toString(c.uncollected()));
    f.put("price_version", c.priceVersion());
    f.put("markup_ppm", Long.toString(c.markupPpm()));
    f.put("discount_ppm", Long.toString(c.discountPpm()));
    f.put("started_at_ms", Long.toString(c.startedAtMs()));
    f.put("ttft_ms", Long.toString(c.ttftMs()));
    f.put("duration_ms", Long.toString(c.durationMs()));
    f.put("settled_at_ms", Long.toString(c.settledAtMs()));
    if (c.subPeriodMs() != null) {
      f.put("sub_period", Long.toString(c.subPeriodMs()));
    }
    return f;
  }

  @Override
  public void close() {
    ScanIterator<String> scan =
        ScanIterator.scan(sync(), ScanArgs.Builder.matches(keys.prefix() + ":*").limit(500));
    List<String> mine = new ArrayList<>();
    scan.forEachRemaining(mine::add);
    if (!mine.isEmpty()) {
      sync().del(mine.toArray(String[]::new));
    }
    connection.close();
    client.shutdown();
  }
}
