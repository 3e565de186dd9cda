package dev.tollgate.gateway.account;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.billing.accounts.UsageRow;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/**
 * Regression: the export's {@code cost} included what was never collected, so summing it over an
 * account's rows did not give what the account paid. {@code cost} is now what was charged, and
 * {@code uncollected} a column of its own.
 */
class UsageCsvTest {

  /** 0.000066 charged of a usage that cost 0.00025: 0.000184 could not be collected. */
  static final UsageRow SHORT =
      new UsageRow(
          "req_1",
          "key_1",
          "burst",
          "local",
          "cut_off",
          "partial",
          8,
          121,
          0,
          0,
          300,
          100,
          250_000,
          66_000,
          184_000,
          0,
          66_000,
          Instant.parse("2026-04-01T00:00:00Z"),
          20,
          100);

  static final UsageRow PAID =
      new UsageRow(
          "req_2",
          "key_1",
          "burst",
          "local",
          "completed",
          "reported",
          8,
          10,
          0,
          0,
          0,
          0,
          28_000,
          28_000,
          0,
          10_000,
          18_000,
          Instant.parse("2026-04-01T00:00:01Z"),
          20,
          100);

  @Test
  void theExportedCostIsWhatWasChargedAndUncollectedIsAColumnOfItsOwn() {
    assertThat(UsageCsv.HEADER)
        .isEqualTo(
            "request_id,key_id,model,provider,status,source,prompt_tokens,completion_tokens,"
                + "cached_tokens,reasoning_tokens,cost,charged,from_allowance,from_balance,"
                + "started_at,ttft_ms,duration_ms,uncollected,cache_write_tokens,"
                + "cache_write_1h_tokens\r\n");
    assertThat(UsageCsv.line(SHORT))
        .isEqualTo(
            "req_1,key_1,burst,local,cut_off,partial,8,121,0,0,0.000066,0.000066,0,0.000066,"
                + "2026-04-01T00:00:00Z,20,100,0.000184,300,100\r\n");

    // the reconciliation: the sum of cost is what left the allowance and the balance
    BigDecimal sum = BigDecimal.ZERO;
    for (UsageRow row : List.of(SHORT, PAID)) {
      ObjectNode json = AccountUsageHandler.view(row);
      assertThat(json.path("cost").decimalValue())
          .isEqualByComparingTo(
              json.path("from_allowance")
                  .decimalValue()
                  .add(json.path("from_balance").decimalValue()));
      sum = sum.add(new BigDecimal(UsageCsv.line(row).split(",")[10]));
    }
    assertThat(sum).isEqualByComparingTo("0.000094"); // 66 000 + 28 000 nano-units
    ObjectNode json = AccountUsageHandler.view(SHORT);
    assertThat(json.path("uncollected").decimalValue()).isEqualByComparingTo("0.000184");
    assertThat(json.path("cache_write_tokens").asLong()).isEqualTo(300);
    assertThat(json.path("cache_write_1h_tokens").asLong()).isEqualTo(100);
  }
}
