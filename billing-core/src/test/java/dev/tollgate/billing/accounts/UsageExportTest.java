package dev.tollgate.billing.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.billing.support.TestDatabase;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * {@link UsageQueries#export} of 100,000 rows holds only a few chunks at a time: a probe counts
 * every row read from PostgreSQL, the consumer counts every row it received, and the difference
 * (rows read but not consumed yet) must stay small, also while the consumer pauses.
 */
class UsageExportTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final int ROWS = 100_000;
  private static final int CHUNK = 1000;

  private static TestDatabase db;
  private static String account;

  @BeforeAll
  static void setUp() {
    db = TestDatabase.create();
    account = Fixtures.newAccount(db, 0);
    assertThat(Fixtures.insertUsage(db, "req-x-", account, ROWS, Fixtures.BASE)).isEqualTo(ROWS);
    Fixtures.insertUsage(db, "req-y-", Fixtures.newAccount(db, 0), 1500, Fixtures.BASE);
  }

  @AfterAll
  static void tearDown() {
    if (db != null) {
      db.close();
    }
  }

  @Test
  void exportingAHundredThousandRowsHoldsAtMostThreeChunks() {
    AtomicLong read = new AtomicLong();
    AtomicLong consumed = new AtomicLong();
    AtomicLong maxInFlight = new AtomicLong();
    AtomicReference<String> previous = new AtomicReference<>("~");
    AtomicLong outOfOrder = new AtomicLong();
    UsageQueries usage = new UsageQueries(db.pool, CHUNK, read::incrementAndGet);

    Flux<UsageRow> export =
        usage
            .export(account, null, null)
            .limitRate(100)
            .doOnNext(
                row -> {
                  long inFlight = read.get() - consumed.incrementAndGet();
                  maxInFlight.accumulateAndGet(inFlight, Math::max);
                  // Request ids sort like their rows here (g descending, zero-padded).
                  if (row.requestId().compareTo(previous.getAndSet(row.requestId())) >= 0) {
                    outOfOrder.incrementAndGet();
                  }
                });

    StepVerifier.create(export, 0)
        .thenRequest(10)
        .expectNextCount(10)
        // A paused consumer: nothing must be read ahead beyond a few chunks meanwhile.
        .thenAwait(Duration.ofMillis(500))
        .then(() -> assertThat(read.get()).isLessThanOrEqualTo(3L * CHUNK))
        .thenRequest(Long.MAX_VALUE)
        .expectNextCount(ROWS - 10)
        .expectComplete()
        .verify(TIMEOUT);

    assertThat(consumed.get()).isEqualTo(ROWS);
    assertThat(read.get()).isEqualTo(ROWS);
    assertThat(outOfOrder.get()).isZero();
    assertThat(maxInFlight.get()).isLessThanOrEqualTo(3L * CHUNK);
  }

  @Test
  void theRangeLimitsTheExport() {
    // started_at = BASE + g/2 s; [BASE+10s, BASE+20s) holds g = 20..39.
    StepVerifier.create(
            new UsageQueries(db.pool, 7, () -> {})
                .export(account, Fixtures.BASE.plusSeconds(10), Fixtures.BASE.plusSeconds(20))
                .map(UsageRow::requestId))
        .expectNext(Fixtures.requestId("req-x-", 39))
        .expectNextCount(18)
        .expectNext(Fixtures.requestId("req-x-", 20))
        .expectComplete()
        .verify(Duration.ofSeconds(15));
  }

  @Test
  void anExactMultipleOfTheChunkEndsCleanlyAndAnUnknownAccountExportsNothing() {
    StepVerifier.create(
            new UsageQueries(db.pool, 5, () -> {})
                .export(account, Fixtures.BASE.plusSeconds(10), Fixtures.BASE.plusSeconds(20)))
        .expectNextCount(20)
        .expectComplete()
        .verify(Duration.ofSeconds(15));
    StepVerifier.create(new UsageQueries(db.pool).export("acct-none", null, null))
        .expectComplete()
        .verify(Duration.ofSeconds(15));
  }
}
