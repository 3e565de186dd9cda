package dev.tollgate.billing.ledger;

import static dev.tollgate.billing.support.Charges.charge;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.billing.support.SwitchableConnectionFactory;
import dev.tollgate.billing.support.TestDatabase;
import dev.tollgate.billing.support.TestRedis;
import io.lettuce.core.Consumer;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.test.StepVerifier;

/**
 * {@link OutboxFlusher} against real Redis and PostgreSQL: every settled charge lands exactly once,
 * through replays, outages and dead consumers. Each test uses a Redis key prefix of its own.
 */
class OutboxFlusherTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final int BUCKETS = 4;

  private static TestDatabase db;
  private static LedgerWriter writer;
  private static AccountRepository accounts;
  private final List<AutoCloseable> cleanup = new ArrayList<>();

  @BeforeAll
  static void setUp() {
    db = TestDatabase.create();
    writer = new LedgerWriter(db.pool);
    accounts = new AccountRepository(db.pool);
  }

  @AfterAll
  static void tearDown() {
    if (db != null) {
      db.close();
    }
  }

  @AfterEach
  void closeResources() throws Exception {
    for (AutoCloseable c : cleanup.reversed()) {
      c.close();
    }
  }

  private TestRedis redis() {
    TestRedis redis = new TestRedis(BUCKETS);
    cleanup.add(redis);
    return redis;
  }

  private static OutboxFlusher.Settings fast(Duration claimMinIdle) {
    return new OutboxFlusher.Settings(
        7, // small batches: several per bucket, so the drain loop is exercised
        Duration.ofMillis(20),
        Duration.ofMillis(100),
        claimMinIdle,
        Duration.ofMillis(200),
        2);
  }

  private static OutboxFlusher flusher(
      TestRedis redis, LedgerWriter writer, String consumer, Duration claimMinIdle) {
    return new OutboxFlusher(
        redis.connection.reactive(), redis.keys, writer, consumer, fast(claimMinIdle));
  }

  /** Accounts with a known balance, spread over the buckets. */
  private static List<String> accounts(int n, long balance) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String id = "acct-" + UUID.randomUUID();
      StepVerifier.create(accounts.ensure(AccountRow.prepaid(id, "Test", balance)))
          .expectNext(true)
          .expectComplete()
          .verify(TIMEOUT);
      ids.add(id);
    }
    return ids;
  }

  private static List<SettledCharge> charges(List<String> accountIds, int perAccount) {
    List<SettledCharge> charges = new ArrayList<>();
    for (int i = 0; i < perAccount; i++) {
      for (String account : accountIds) {
        long cost = 1_000_003L * (i + 1);
        charges.add(charge(account, cost, 0, cost));
      }
    }
    return charges;
  }

  /** The state that must not change on a replay: counts and every balance. */
  private record Snapshot(long usageEvents, long ledgerEntries, Map<String, Long> balances) {}

  private static Snapshot snapshot(List<String> accountIds) {
    Map<String, Long> balances = new HashMap<>();
    for (String id : accountIds) {
      balances.put(id, db.queryLong("SELECT balance_nanos FROM accounts WHERE id = ?", id));
    }
    return new Snapshot(
        db.queryLong(
            "SELECT count(*) FROM usage_events WHERE account_id = ANY (?::text[])",
            (Object) accountIds.toArray(String[]::new)),
        db.queryLong(
            "SELECT count(*) FROM ledger_entries WHERE account_id = ANY (?::text[])",
            (Object) accountIds.toArray(String[]::new)),
        balances);
  }

  /** Every charge recorded once, every balance down by exactly its charges. */
  private static void assertLandedExactlyOnce(
      List<SettledCharge> charges, List<String> accountIds, long initialBalance) {
    Snapshot now = snapshot(accountIds);
    assertThat(now.usageEvents()).isEqualTo(charges.size());
    assertThat(now.ledgerEntries()).isEqualTo(charges.size());
    for (String account : accountIds) {
      long charged =
          charges.stream()
              .filter(c -> c.accountId().equals(account))
              .mapToLong(SettledCharge::charged)
              .sum();
      assertThat(now.balances().get(account)).as(account).isEqualTo(initialBalance - charged);
    }
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for: " + what);
      }
      Thread.sleep(20); // the JUnit thread, not an event loop
    }
  }

  @Test
  void entriesWrittenBeforeTheGroupExistedAreFlushed() {
    TestRedis redis = redis();
    List<String> ids = accounts(6, 1_000_000_000L);
    List<SettledCharge> charges = redis.xadd(charges(ids, 5));
    OutboxFlusher flusher = flusher(redis, writer, "gw-1", Duration.ofSeconds(60));

    StepVerifier.create(flusher.flushOnce())
        .expectNext(charges.size())
        .expectComplete()
        .verify(TIMEOUT);

    assertLandedExactlyOnce(charges, ids, 1_000_000_000L);
    assertThat(redis.outboxLength()).as("acknowledged entries are deleted").isZero();
    assertThat(redis.pending(OutboxFlusher.GROUP)).isZero();
    StepVerifier.create(flusher.flushOnce()).expectNext(0).expectComplete().verify(TIMEOUT);
  }

  @Test
  void aBatchReplayedAfterACrashBetweenCommitAndAckChangesNothing() {
    TestRedis redis = redis();
    List<String> ids = accounts(5, 2_000_000_000L);
    OutboxFlusher flusher = flusher(redis, writer, "gw-1", Duration.ofSeconds(60));
    StepVerifier.create(flusher.claimOnce()).expectNext(0).expectComplete().verify(TIMEOUT);
    List<SettledCharge> charges = redis.xadd(charges(ids, 4));

    // The crashed run of this very consumer: it read the entries and committed them, but died
    // before XACK, so they are still pending on "gw-1".
    List<SettledCharge> read = new ArrayList<>();
    for (int b = 0; b < BUCKETS; b++) {
      redis
          .sync()
          .xreadgroup(
              Consumer.from(OutboxFlusher.GROUP, "gw-1"),
              XReadArgs.Builder.count(1000),
              StreamOffset.lastConsumed(redis.keys.outbox(b)))
          .forEach(m -> read.add(OutboxEntryDecoder.decode(m.getId(), m.getBody())));
    }
    assertThat(read).hasSameSizeAs(charges);
    StepVerifier.create(writer.write(read))
        .expectNext(charges.size())
        .expectComplete()
        .verify(TIMEOUT);
    Snapshot committed = snapshot(ids);
    assertThat(redis.pending(OutboxFlusher.GROUP)).isEqualTo(charges.size());

    // The restarted consumer re-reads its pending entries and writes them again.
    StepVerifier.create(flusher.flushOnce())
        .expectNext(charges.size())
        .expectComplete()
        .verify(TIMEOUT);

    assertThat(snapshot(ids)).isEqualTo(committed);
    assertLandedExactlyOnce(charges, ids, 2_000_000_000L);
    assertThat(redis.pending(OutboxFlusher.GROUP)).isZero();
    assertThat(redis.outboxLength()).isZero();
  }

  @Test
  void whilePostgresIsDownNothingIsAcknowledgedAndAfterwardsEverythingLandsOnce() throws Exception {
    TestRedis redis = redis();
    List<String> ids = accounts(6, 3_000_000_000L);
    SwitchableConnectionFactory switchable =
        new SwitchableConnectionFactory(TestDatabase.factory(closedPort(), db.name));
    ConnectionPool pool =
        new ConnectionPool(
            ConnectionPoolConfiguration.builder(switchable)
                .maxSize(2)
                .maxAcquireTime(Duration.ofSeconds(3))
                .build());
    cleanup.add(() -> pool.disposeLater().block(TIMEOUT));
    OutboxFlusher flusher = flusher(redis, new LedgerWriter(pool), "gw-1", Duration.ofSeconds(60));

    List<SettledCharge> early = redis.xadd(charges(ids, 2));
    StepVerifier.create(flusher.flushOnce()).expectError().verify(TIMEOUT);

    Disposable loop = flusher.start();
    cleanup.add(loop::dispose);
    List<SettledCharge> late = redis.xadd(charges(ids, 3));
    List<SettledCharge> all = new ArrayList<>(early);
    all.addAll(late);
    Thread.sleep(500); // several failing rounds
    // Each round re-reads (and fails on) the entries already delivered, so the later ones wait in
    // the stream; none is acknowledged: every delivered entry is still pending, none deleted.
    long delivered = redis.delivered(OutboxFlusher.GROUP);
    assertThat(delivered).isPositive();
    assertThat(redis.pending(OutboxFlusher.GROUP)).isEqualTo(delivered);
    assertThat(redis.outboxLength()).isEqualTo(all.size());
    assertThat(snapshot(ids).usageEvents()).isZero();

    switchable.switchTo(TestDatabase.factory(TestDatabase.PORT, db.name));

    await("the outbox drained", () -> redis.outboxLength() == 0);
    assertThat(redis.pending(OutboxFlusher.GROUP)).isZero();
    assertLandedExactlyOnce(all, ids, 3_000_000_000L);
    loop.dispose();
  }

  @Test
  void entriesLeftPendingByADeadConsumerAreClaimedAndWrittenOnce() throws Exception {
    TestRedis redis = redis();
    List<String> ids = accounts(5, 4_000_000_000L);
    for (int b = 0; b < BUCKETS; b++) {
      redis
          .sync()
          .xgroupCreate(
              StreamOffset.from(redis.keys.outbox(b), "0"),
              OutboxFlusher.GROUP,
              XGroupCreateArgs.Builder.mkstream());
    }
    List<SettledCharge> charges = redis.xadd(charges(ids, 3));
    for (int b = 0; b < BUCKETS; b++) {
      redis
          .sync()
          .xreadgroup(
              Consumer.from(OutboxFlusher.GROUP, "gw-dead"),
              XReadArgs.Builder.count(1000),
              StreamOffset.lastConsumed(redis.keys.outbox(b)));
    }
    assertThat(redis.pending(OutboxFlusher.GROUP)).isEqualTo(charges.size());

    // A live consumer with the default patience leaves young pending entries alone.
    OutboxFlusher patient = flusher(redis, writer, "gw-2", Duration.ofSeconds(60));
    StepVerifier.create(patient.claimOnce()).expectNext(0).expectComplete().verify(TIMEOUT);
    StepVerifier.create(patient.flushOnce()).expectNext(0).expectComplete().verify(TIMEOUT);
    assertThat(snapshot(ids).usageEvents()).isZero();

    Thread.sleep(150);
    OutboxFlusher survivor = flusher(redis, writer, "gw-2", Duration.ofMillis(100));
    StepVerifier.create(survivor.claimOnce())
        .expectNext(charges.size())
        .expectComplete()
        .verify(TIMEOUT);
    StepVerifier.create(survivor.flushOnce())
        .expectNext(charges.size())
        .expectComplete()
        .verify(TIMEOUT);

    assertLandedExactlyOnce(charges, ids, 4_000_000_000L);
    assertThat(redis.pending(OutboxFlusher.GROUP)).isZero();
    assertThat(redis.outboxLength()).isZero();
  }

  @Test
  void theLoopClaimsDeadConsumersEntriesByItself() throws Exception {
    TestRedis redis = redis();
    List<String> ids = accounts(3, 1_000_000_000L);
    OutboxFlusher survivor = flusher(redis, writer, "gw-2", Duration.ofMillis(100));
    StepVerifier.create(survivor.claimOnce()).expectNext(0).expectComplete().verify(TIMEOUT);
    List<SettledCharge> charges = redis.xadd(charges(ids, 4));
    for (int b = 0; b < BUCKETS; b++) {
      redis
          .sync()
          .xreadgroup(
              Consumer.from(OutboxFlusher.GROUP, "gw-dead"),
              XReadArgs.Builder.count(1000),
              StreamOffset.lastConsumed(redis.keys.outbox(b)));
    }

    Disposable loop = survivor.start();
    cleanup.add(loop::dispose);
    await("the outbox drained", () -> redis.outboxLength() == 0);

    assertLandedExactlyOnce(charges, ids, 1_000_000_000L);
    assertThat(redis.pending(OutboxFlusher.GROUP)).isZero();
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
