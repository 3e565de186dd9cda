package dev.tollgate.billing.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.billing.metering.RequestStatus;
import dev.tollgate.billing.metering.UsageSource;
import io.lettuce.core.cluster.SlotHash;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each script class encodes {@code KEYS} and {@code ARGV} in the order its script's header lists
 * them, and names the replies the header lists. Pure: no Redis; the scripts' effects are tested
 * against the real Redis by the other tests of this package.
 */
class ScriptArgumentsTest {

  private static final BillingKeys KEYS = new BillingKeys("gw", 64);
  private static final Instant EXPIRES = Instant.ofEpochMilli(1_700_000_600_000L);

  @Test
  void reserveSendsTheRequestItsAccountAndTheClockInTheHeadersOrder() {
    Clock clock = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_123L), ZoneOffset.UTC);
    ReserveScript script = new ReserveScript(KEYS, clock);
    ReserveScript.Args args =
        new ReserveScript.Args("acct-1", "req-1", 400, EXPIRES, "key-1", "mini", "mock", 9_000L);

    assertThat(script.keys(args))
        .containsExactly("gw:{b53}:acct:acct-1", "gw:{b53}:hold:req-1", "gw:{b53}:holds");
    assertOneSlot(script.keys(args));
    assertThat(script.argv(args))
        .containsExactly(
            "req-1",
            "400",
            "1700000600000",
            "key-1",
            "mini",
            "acct-1",
            "mock",
            "1700000000123",
            "9000",
            "",
            "0");
    assertThat(script.argv(withoutCap(args))[8]).as("no spend cap").isEmpty();
    ReserveScript.Args budgeted =
        new ReserveScript.Args(
            "acct-1",
            "req-1",
            400,
            EXPIRES,
            "key-1",
            "mini",
            "mock",
            null,
            5_000L,
            Instant.ofEpochMilli(1_699_920_000_000L));
    assertThat(script.argv(budgeted)).endsWith("5000", "1699920000000");
  }

  @Test
  void reserveNamesEveryReplyOfItsHeader() {
    ReserveScript script = new ReserveScript(KEYS, Clock.systemUTC());
    assertThat(script.answer(List.of(1L, 600L, 400L)))
        .isEqualTo(new Reservation(Reservation.Outcome.GRANTED, 600, 400));
    assertThat(script.answer(List.of(0L, 50L)))
        .isEqualTo(new Reservation(Reservation.Outcome.INSUFFICIENT, 50));
    assertThat(script.answer(List.of(-4L, 7L)))
        .isEqualTo(new Reservation(Reservation.Outcome.BUDGET_EXCEEDED, 7));
    assertThat(script.answer(List.of(-1L)).outcome())
        .isEqualTo(Reservation.Outcome.ACCOUNT_MISSING);
    assertThat(script.answer(List.of(-2L)).outcome())
        .isEqualTo(Reservation.Outcome.ACCOUNT_INACTIVE);
    assertThat(script.answer(List.of(-3L, 7L)))
        .isEqualTo(new Reservation(Reservation.Outcome.SPEND_CAP_REACHED, 7));
    assertThatThrownBy(() -> script.answer(List.of(2L)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("script reserve returned [2]");
  }

  @Test
  void extendSendsTheCheckpointInTheHeadersOrder() {
    ExtendScript script = new ExtendScript(KEYS);
    ExtendScript.Args args =
        new ExtendScript.Args("acct-1", "req-1", 300, EXPIRES, 11, 22, 3, 4, 55);

    assertThat(script.keys(args))
        .containsExactly("gw:{b53}:acct:acct-1", "gw:{b53}:hold:req-1", "gw:{b53}:holds");
    assertThat(script.argv(args))
        .containsExactly("req-1", "300", "1700000600000", "11", "22", "3", "4", "55");
    assertThat(script.answer(List.of(-1L))).isEqualTo(new Extension(false, true, 0));
    assertThat(script.answer(List.of(0L, 12L))).isEqualTo(new Extension(false, false, 12));
  }

  @Test
  void settleSendsTheFieldsOfAChargeInOrderThenTheSettlementTime() {
    SettleScript script = new SettleScript(KEYS);
    Charge charge =
        new Charge(
            "req-1",
            "acct-1",
            "key-1",
            "mini",
            "mock",
            RequestStatus.CUT_OFF,
            UsageSource.ESTIMATED,
            8,
            9,
            10,
            11,
            12,
            13,
            14,
            "v15",
            16,
            17,
            18,
            19,
            20);
    SettleScript.Args args = new SettleScript.Finished(charge, Instant.ofEpochMilli(21));

    assertThat(script.keys(args))
        .containsExactly(
            "gw:{b53}:acct:acct-1", "gw:{b53}:hold:req-1", "gw:{b53}:holds", "gw:{b53}:outbox");
    assertOneSlot(script.keys(args));
    assertThat(script.argv(args))
        .containsExactly(
            "req-1",
            "acct-1",
            "key-1",
            "mini",
            "mock",
            "cut_off",
            "estimated",
            "8",
            "9",
            "10",
            "11",
            "12",
            "13",
            "14",
            "v15",
            "16",
            "17",
            "18",
            "19",
            "20",
            "21");
  }

  @Test
  void theReapersSettleChargesTheCheckpointAsAbandonedAndPartial() {
    SettleScript script = new SettleScript(KEYS);
    SettleScript.Args args =
        new SettleScript.Abandoned(
            53, "req-1", "acct-1", "key-1", "mini", "mock", 1_000, "50000", 61_000);

    assertThat(script.keys(args))
        .containsExactly(
            "gw:{b53}:acct:acct-1", "gw:{b53}:hold:req-1", "gw:{b53}:holds", "gw:{b53}:outbox");
    String[] argv = script.argv(args);
    assertThat(argv).hasSize(21);
    assertThat(Arrays.asList(argv).subList(0, 7))
        .containsExactly("req-1", "acct-1", "key-1", "mini", "mock", "abandoned", "partial");
    assertThat(argv[13]).as("cost: the hold's checkpoint").isEqualTo("-1");
    assertThat(argv[14]).as("price version").isEqualTo(HoldStore.UNKNOWN_PRICE_VERSION);
    assertThat(Arrays.asList(argv).subList(16, 21))
        .as("discount, started, ttft, duration, settled")
        .containsExactly("50000", "1000", "-1", "60000", "61000");
    assertThat(script.answer(List.of(-3L)))
        .as("extended meanwhile")
        .isEqualTo(Settlement.NOT_SETTLED);
    assertThat(script.answer(List.of(1L, 5L, 2L, 3L))).isEqualTo(new Settlement(true, 5, 2, 3));
  }

  @Test
  void creditSendsTheAmountAndHowLongItsMarkerLives() {
    CreditScript script = new CreditScript(KEYS, Duration.ofDays(2));
    CreditScript.Args args = new CreditScript.Args("acct-1", "pay-9", -250);

    assertThat(script.keys(args)).containsExactly("gw:{b53}:acct:acct-1", "gw:{b53}:credit:pay-9");
    assertThat(script.argv(args)).containsExactly("-250", "172800");
    assertThat(script.answer(List.of(1L, 750L))).isTrue();
    assertThat(script.answer(List.of(-1L))).as("account not cached").isFalse();
  }

  @Test
  void loadAccountSendsFiveFieldsThenAPairPerKey() {
    LoadAccountScript script = new LoadAccountScript(KEYS);
    Map<String, Long> keySpent = new LinkedHashMap<>();
    keySpent.put("key-1", 30L);
    keySpent.put("key-2", 0L);
    LoadAccountScript.Args args =
        new LoadAccountScript.Args(
            "acct-1",
            1_000,
            200,
            Instant.ofEpochMilli(1_699_999_999_999L),
            50_000,
            "active",
            keySpent);

    assertThat(script.keys(args)).containsExactly("gw:{b53}:acct:acct-1");
    assertThat(script.argv(args))
        .containsExactly(
            "1000", "200", "50000", "active", "1699999999999", "key-1", "30", "key-2", "0");
    LoadAccountScript.Args noPeriod =
        new LoadAccountScript.Args("acct-1", 1_000, 0, null, 0, "active", Map.of());
    assertThat(script.argv(noPeriod)).containsExactly("1000", "0", "0", "active", "");
  }

  @Test
  void updateAndRenewSendTheirFieldsForTheAccountAlone() {
    UpdateAccountScript update = new UpdateAccountScript(KEYS);
    UpdateAccountScript.Args status = new UpdateAccountScript.Args("acct-1", "suspended", 10);
    assertThat(update.keys(status)).containsExactly("gw:{b53}:acct:acct-1");
    assertThat(update.argv(status)).containsExactly("suspended", "10");

    RenewAllowanceScript renew = new RenewAllowanceScript(KEYS);
    RenewAllowanceScript.Args period =
        new RenewAllowanceScript.Args("acct-1", Instant.ofEpochMilli(1_700_000_000_000L), 5_000);
    assertThat(renew.keys(period)).containsExactly("gw:{b53}:acct:acct-1");
    assertThat(renew.argv(period)).containsExactly("1700000000000", "5000");
    assertThat(renew.answer(List.of(0L, 1_700_000_000_000L)))
        .isEqualTo(AllowanceRenewal.ALREADY_CURRENT);
  }

  @Test
  void argumentsAreCheckedWhenTheRecordIsMade() {
    assertThatThrownBy(
            () -> new ReserveScript.Args("acct-1", "", 1, EXPIRES, "key-1", "mini", "mock", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("requestId: '' (expected: non-empty)");
    assertThatThrownBy(() -> new ExtendScript.Args("acct-1", "req-1", 0, EXPIRES, 0, -2, 0, 0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("completion: -2 (expected: >= 0)");
    assertThatThrownBy(() -> new UpdateAccountScript.Args("acct-1", "active", 1_000_001))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("discountPpm: 1000001 (expected: 0..1000000)");
    assertThatThrownBy(
            () ->
                new LoadAccountScript.Args("acct-1", 0, 0, null, 0, "active", Map.of("key-1", -1L)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("keySpent: -1 (expected: >= 0)");
  }

  private static ReserveScript.Args withoutCap(ReserveScript.Args args) {
    return new ReserveScript.Args(
        args.accountId(),
        args.requestId(),
        args.amount(),
        args.expiresAt(),
        args.keyId(),
        args.model(),
        args.provider(),
        null);
  }

  private static void assertOneSlot(String[] keys) {
    assertThat(Arrays.stream(keys).map(SlotHash::getSlot).distinct()).hasSize(1);
  }
}
