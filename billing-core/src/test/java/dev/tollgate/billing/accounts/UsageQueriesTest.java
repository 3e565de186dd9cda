package dev.tollgate.billing.accounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.billing.support.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** {@link UsageQueries#page} and {@link LedgerQueries#page} against a real PostgreSQL. */
class UsageQueriesTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(15);
  private static final String P = "req-p-";

  private static TestDatabase db;
  private static UsageQueries usage;
  private static LedgerQueries ledger;
  // 26 rows: g = 1..26, newest first is g descending; rows 2k and 2k+1 share started_at, so the
  // boundary between pages 1 and 2 (after g = 17, before g = 16) splits such a pair.
  private static String account;

  @BeforeAll
  static void setUp() {
    db = TestDatabase.create();
    usage = new UsageQueries(db.pool);
    ledger = new LedgerQueries(db.pool);
    account = Fixtures.newAccount(db, 0);
    Fixtures.insertUsage(db, P, account, 26, Fixtures.BASE);
    // Another account's rows, which must never show.
    Fixtures.insertUsage(db, "req-other-", Fixtures.newAccount(db, 0), 30, Fixtures.BASE);
  }

  @AfterAll
  static void tearDown() {
    if (db != null) {
      db.close();
    }
  }

  private static List<String> ids(int from, int downTo) {
    List<String> ids = new ArrayList<>();
    for (int g = from; g >= downTo; g--) {
      ids.add(Fixtures.requestId(P, g));
    }
    return ids;
  }

  private static Page<UsageRow> page(
      Instant from, Instant to, String model, String cursor, int limit) {
    return usage.page(account, from, to, model, cursor, limit).block(TIMEOUT);
  }

  @Test
  void threePagesNewestFirstWithoutGapsOrRepeats() {
    Page<UsageRow> first = page(null, null, null, null, 10);
    Page<UsageRow> second = page(null, null, null, first.nextCursor(), 10);
    Page<UsageRow> third = page(null, null, null, second.nextCursor(), 10);

    assertThat(first.items()).extracting(UsageRow::requestId).isEqualTo(ids(26, 17));
    assertThat(second.items()).extracting(UsageRow::requestId).isEqualTo(ids(16, 7));
    assertThat(third.items()).extracting(UsageRow::requestId).isEqualTo(ids(6, 1));
    assertThat(first.nextCursor()).isNotNull();
    assertThat(third.nextCursor()).isNull();
    // The split pair really shares its start time: the request id broke the tie.
    assertThat(first.items().get(9).startedAt()).isEqualTo(second.items().get(0).startedAt());
  }

  @Test
  void aRowReadsBackWhole() {
    UsageRow row = page(null, null, null, null, 1).items().get(0);

    assertThat(row)
        .isEqualTo(
            new UsageRow(
                Fixtures.requestId(P, 26),
                "key-1",
                "gpt-a",
                "openai",
                "completed",
                "reported",
                26,
                52,
                0,
                0,
                0,
                0,
                1026,
                1026,
                0,
                0,
                1026,
                Fixtures.BASE.plusSeconds(13),
                100,
                500));
    // g = 24 delivered no token.
    assertThat(page(null, null, null, null, 3).items().get(2).ttftMs()).isNull();
  }

  @Test
  void aPageIsExactlyAsLongAsTheRestWhenNothingFollows() {
    Page<UsageRow> all = page(null, null, null, null, 26);
    assertThat(all.items()).hasSize(26);
    assertThat(all.nextCursor()).isNull();
  }

  @Test
  void aCursorIsStableWhenNewerUsageArrivesAndCanBeReused() {
    String isolated = Fixtures.newAccount(db, 0);
    Fixtures.insertUsage(db, "req-s-", isolated, 20, Fixtures.BASE);
    Page<UsageRow> first = usage.page(isolated, null, null, null, null, 8).block(TIMEOUT);

    // Newer requests settle meanwhile: with OFFSET they would shift page 2.
    Fixtures.insertUsage(db, "req-t-", isolated, 5, Fixtures.BASE.plusSeconds(3600));
    Page<UsageRow> second =
        usage.page(isolated, null, null, null, first.nextCursor(), 8).block(TIMEOUT);
    Page<UsageRow> again =
        usage.page(isolated, null, null, null, first.nextCursor(), 8).block(TIMEOUT);

    assertThat(first.items()).extracting(UsageRow::requestId).startsWith("req-s-0000020");
    assertThat(second.items())
        .extracting(UsageRow::requestId)
        .isEqualTo(
            IntStream.rangeClosed(5, 12)
                .map(i -> 17 - i)
                .mapToObj(g -> Fixtures.requestId("req-s-", g))
                .toList());
    assertThat(again).isEqualTo(second);
  }

  @Test
  void theModelFilterPagesToo() {
    Page<UsageRow> first = page(null, null, "gpt-a", null, 5);
    Page<UsageRow> second = page(null, null, "gpt-a", first.nextCursor(), 5);
    Page<UsageRow> third = page(null, null, "gpt-a", second.nextCursor(), 5);

    List<String> all = new ArrayList<>();
    for (Page<UsageRow> p : List.of(first, second, third)) {
      p.items().forEach(r -> all.add(r.requestId()));
    }
    assertThat(all)
        .isEqualTo(
            IntStream.iterate(26, g -> g >= 2, g -> g - 2)
                .mapToObj(g -> Fixtures.requestId(P, g))
                .toList());
    assertThat(third.nextCursor()).isNull();
    StepVerifier.create(usage.page(account, null, null, "no-such-model", null, 5))
        .expectNext(new Page<>(List.of(), null))
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void theTimeFilterIsFromInclusiveToExclusive() {
    // started_at = BASE + g/2 s; [BASE+5s, BASE+8s) holds g/2 in {5, 6, 7}: g = 10..15.
    Page<UsageRow> p =
        page(Fixtures.BASE.plusSeconds(5), Fixtures.BASE.plusSeconds(8), null, null, 100);
    assertThat(p.items()).extracting(UsageRow::requestId).isEqualTo(ids(15, 10));

    Page<UsageRow> withModel =
        page(Fixtures.BASE.plusSeconds(5), Fixtures.BASE.plusSeconds(8), "gpt-b", null, 2);
    Page<UsageRow> rest =
        page(
            Fixtures.BASE.plusSeconds(5),
            Fixtures.BASE.plusSeconds(8),
            "gpt-b",
            withModel.nextCursor(),
            2);
    assertThat(withModel.items())
        .extracting(UsageRow::requestId)
        .containsExactly(Fixtures.requestId(P, 15), Fixtures.requestId(P, 13));
    assertThat(rest.items())
        .extracting(UsageRow::requestId)
        .containsExactly(Fixtures.requestId(P, 11));
    assertThat(rest.nextCursor()).isNull();
  }

  @Test
  void anUnknownAccountHasAnEmptyPage() {
    StepVerifier.create(usage.page("acct-none", null, null, null, null, 10))
        .expectNext(new Page<>(List.of(), null))
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void badInputIsRefusedWithWhatWasExpected() {
    assertThatThrownBy(() -> usage.page(account, null, null, null, null, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("limit: 0 (expected: 1..1000)");
    assertThatThrownBy(() -> usage.page(account, null, null, null, null, 1001))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> usage.page(account, null, null, null, "%%not base64", 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected: the nextCursor of an earlier page");
    String noColon =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString("garbage".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> usage.page(account, null, null, null, noColon, 10))
        .isInstanceOf(IllegalArgumentException.class);
    String notANumber =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString("x:req".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> usage.page(account, null, null, null, notANumber, 10))
        .isInstanceOf(IllegalArgumentException.class);
    Instant t = Fixtures.BASE;
    assertThatThrownBy(() -> usage.page(account, t, t, null, null, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected: from before to");
    assertThatThrownBy(() -> usage.export(account, t.plusSeconds(1), t))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theLedgerPagesNewestFirst() {
    String acct = Fixtures.newAccount(db, 0);
    db.execute(
        "INSERT INTO ledger_entries (account_id, type, category, amount_nanos, reference)"
            + " SELECT ?, 'credit', 'topup', g, 'ledger-test-' || g FROM generate_series(1, 25) g",
        acct);
    Page<LedgerRow> first = ledger.page(acct, null, 10).block(TIMEOUT);
    Page<LedgerRow> second = ledger.page(acct, first.nextCursor(), 10).block(TIMEOUT);
    Page<LedgerRow> third = ledger.page(acct, second.nextCursor(), 10).block(TIMEOUT);

    List<Long> amounts = new ArrayList<>();
    for (Page<LedgerRow> p : List.of(first, second, third)) {
      p.items().forEach(r -> amounts.add(r.amountNanos()));
    }
    assertThat(amounts)
        .isEqualTo(IntStream.iterate(25, g -> g >= 1, g -> g - 1).mapToObj(g -> (long) g).toList());
    assertThat(third.items()).hasSize(5);
    assertThat(third.nextCursor()).isNull();
    LedgerRow newest = first.items().get(0);
    assertThat(newest.accountId()).isEqualTo(acct);
    assertThat(newest.type()).isEqualTo("credit");
    assertThat(newest.category()).isEqualTo("topup");
    assertThat(newest.reference()).isEqualTo("ledger-test-25");
    assertThatThrownBy(() -> ledger.page(acct, "!!", 10))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ledger.page(acct, null, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
