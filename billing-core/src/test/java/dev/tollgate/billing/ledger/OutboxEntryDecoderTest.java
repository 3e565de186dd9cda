package dev.tollgate.billing.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.billing.support.Charges;
import dev.tollgate.billing.support.TestRedis;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The outbox entry contract: every field of the settle script, decimal integers for numbers. */
class OutboxEntryDecoderTest {

  @Test
  void decodesEveryFieldTheSettleScriptWrites() {
    SettledCharge charge = Charges.withStreamId(Charges.charge("acct-1", 99, 10, 42), "17-3");

    assertThat(OutboxEntryDecoder.decode("17-3", TestRedis.fields(charge))).isEqualTo(charge);
  }

  @Test
  void theAllowancePeriodIsDecodedWhenPresentAndNullWhenMissingOrEmpty() {
    SettledCharge charge =
        Charges.inPeriod(
            Charges.withStreamId(Charges.charge("acct-1", 99, 10, 42), "17-3"), 1_767_225_600_000L);
    Map<String, String> fields = TestRedis.fields(charge);
    assertThat(OutboxEntryDecoder.decode("17-3", fields).subPeriodMs())
        .isEqualTo(1_767_225_600_000L);

    fields.put("sub_period", ""); // the account's hash recorded no period
    assertThat(OutboxEntryDecoder.decode("17-3", fields).subPeriodMs()).isNull();
    fields.remove("sub_period"); // an entry written before periods were recorded
    assertThat(OutboxEntryDecoder.decode("17-3", fields).subPeriodMs()).isNull();
  }

  @Test
  void cacheWritesAreZeroInEntriesWrittenBeforeTheyWereRecorded() {
    Map<String, String> fields = TestRedis.fields(Charges.charge("acct-1", 99, 10, 42));
    fields.put("cache_write_tokens", "300");
    fields.put("cache_write_1h_tokens", "100");
    SettledCharge now = OutboxEntryDecoder.decode("17-3", fields);
    assertThat(now.cacheWriteTokens()).isEqualTo(300);
    assertThat(now.cacheWrite1hTokens()).isEqualTo(100);

    fields.remove("cache_write_tokens");
    fields.remove("cache_write_1h_tokens");
    SettledCharge before = OutboxEntryDecoder.decode("17-3", fields);
    assertThat(before.cacheWriteTokens()).isZero();
    assertThat(before.cacheWrite1hTokens()).isZero();
  }

  @Test
  void aMissingFieldIsNamed() {
    Map<String, String> fields = TestRedis.fields(Charges.charge("acct-1", 5, 0, 5));
    fields.remove("from_balance");

    assertThatThrownBy(() -> OutboxEntryDecoder.decode("1-0", fields))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("outbox entry 1-0: no field 'from_balance' (expected: present)");
  }

  @Test
  void aNumberThatIsNotADecimalIntegerIsRefused() {
    Map<String, String> fields = TestRedis.fields(Charges.charge("acct-1", 5, 0, 5));
    fields.put("cost", "5e0"); // what Lua's tostring() of a float would give

    assertThatThrownBy(() -> OutboxEntryDecoder.decode("1-0", fields))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("outbox entry 1-0: cost: '5e0' (expected: a decimal integer)");
  }
}
