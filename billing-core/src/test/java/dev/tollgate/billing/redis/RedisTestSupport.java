package dev.tollgate.billing.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.billing.ledger.OutboxEntryDecoder;
import dev.tollgate.billing.ledger.SettledCharge;
import dev.tollgate.billing.metering.RequestStatus;
import dev.tollgate.billing.metering.UsageSource;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Integration tests against the real local Redis ({@code redis://127.0.0.1:6379}, or {@code
 * TOLLGATE_TEST_REDIS_URL}). Each test class gets its own key prefix and deletes its keys at the
 * end, so runs never collide. Blocking calls are made on the JUnit main thread only.
 */
abstract class RedisTestSupport {

  static final Duration TIMEOUT = Duration.ofSeconds(10);
  static final Instant FAR_FUTURE = Instant.parse("2100-01-01T00:00:00Z");

  /** The outbox entry's fields: the snake_case of {@link SettledCharge}, stream id excepted. */
  static final Set<String> OUTBOX_FIELDS =
      Set.of(
          "request_id",
          "account_id",
          "key_id",
          "model",
          "provider",
          "status",
          "source",
          "prompt_tokens",
          "completion_tokens",
          "cached_tokens",
          "reasoning_tokens",
          "cache_write_tokens",
          "cache_write_1h_tokens",
          "cost",
          "charged",
          "from_allowance",
          "from_balance",
          "uncollected",
          "price_version",
          "markup_ppm",
          "discount_ppm",
          "started_at_ms",
          "ttft_ms",
          "duration_ms",
          "settled_at_ms",
          "sub_period");

  static RedisClient client;
  static StatefulRedisConnection<String, String> connection;
  static RedisCommands<String, String> sync;
  static String prefix;
  static BillingKeys keys;
  static HoldStore store;

  private static final AtomicInteger ids = new AtomicInteger();

  @BeforeAll
  static void connect() {
    String url = System.getenv().getOrDefault("TOLLGATE_TEST_REDIS_URL", "redis://127.0.0.1:6379");
    client = RedisClient.create(url);
    connection = client.connect();
    sync = connection.sync();
    byte[] random = new byte[6];
    ThreadLocalRandom.current().nextBytes(random);
    prefix = "t" + HexFormat.of().formatHex(random);
    keys = new BillingKeys(prefix, 8);
    store = new HoldStore(connection, keys);
  }

  @AfterAll
  static void deleteKeysAndDisconnect() {
    try {
      ScanCursor cursor = ScanCursor.INITIAL;
      ScanArgs match = ScanArgs.Builder.matches(prefix + ":*").limit(500);
      do {
        KeyScanCursor<String> page = sync.scan(cursor, match);
        if (!page.getKeys().isEmpty()) {
          sync.del(page.getKeys().toArray(String[]::new));
        }
        cursor = page;
      } while (!cursor.isFinished());
    } finally {
      connection.close();
      client.shutdown();
    }
  }

  /** A fresh id, unique within the run. */
  static String id(String kind) {
    return kind + "-" + ids.incrementAndGet();
  }

  static <T> T await(Mono<T> mono) {
    T value = mono.block(TIMEOUT);
    assertThat(value).as("reply").isNotNull();
    return value;
  }

  static void load(String accountId, long balance, long subLeft) {
    StepVerifier.create(store.loadAccount(accountId, balance, subLeft, 0, "active"))
        .expectNext(true)
        .expectComplete()
        .verify(TIMEOUT);
  }

  static AccountState account(String accountId) {
    return await(store.account(accountId));
  }

  static Reservation reserve(String accountId, String requestId, long amount) {
    return await(store.reserve(accountId, requestId, amount, FAR_FUTURE, "key-1", "mini"));
  }

  static Charge charge(String accountId, String requestId, long cost) {
    return new Charge(
        requestId,
        accountId,
        "key-1",
        "mini",
        "mock",
        RequestStatus.COMPLETED,
        UsageSource.REPORTED,
        120,
        80,
        20,
        10,
        30,
        10,
        cost,
        "v1",
        200_000,
        50_000,
        1_700_000_000_000L,
        150,
        900);
  }

  /** The outbox entries of one account, in order, parsed as the ledger would. */
  static List<SettledCharge> outbox(String accountId) {
    List<StreamMessage<String, String>> entries =
        sync.xrange(keys.outbox(keys.bucketOf(accountId)), io.lettuce.core.Range.create("-", "+"));
    return entries.stream()
        .filter(m -> accountId.equals(m.getBody().get("account_id")))
        .map(RedisTestSupport::parse)
        .toList();
  }

  static SettledCharge parse(StreamMessage<String, String> entry) {
    Map<String, String> f = entry.getBody();
    assertThat(f.keySet()).as("outbox fields").isEqualTo(OUTBOX_FIELDS);
    return OutboxEntryDecoder.decode(entry.getId(), f);
  }
}
