package dev.tollgate.gateway.account;

import dev.tollgate.billing.accounts.UsageRow;
import dev.tollgate.gateway.admin.AdminJson;
import java.nio.charset.StandardCharsets;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Usage as CSV (RFC 4180): a header line, then one line per row; amounts as plain decimals. {@code
 * cost} is what was charged (so the column sums to what the account paid), {@code charged} the
 * same, and {@code uncollected} what the usage cost beyond that: see docs/api.md.
 */
final class UsageCsv {

  static final String HEADER =
      "request_id,key_id,model,provider,status,source,prompt_tokens,completion_tokens,"
          + "cached_tokens,reasoning_tokens,cost,charged,from_allowance,from_balance,started_at,"
          + "ttft_ms,duration_ms,uncollected,cache_write_tokens,cache_write_1h_tokens\r\n";

  private UsageCsv() {}

  static Flux<DataBuffer> lines(Flux<UsageRow> rows) {
    return Flux.concat(Mono.just(HEADER), rows.map(UsageCsv::line))
        .map(
            line ->
                DefaultDataBufferFactory.sharedInstance.wrap(
                    line.getBytes(StandardCharsets.UTF_8)));
  }

  static String line(UsageRow row) {
    StringBuilder out = new StringBuilder(200);
    text(out, row.requestId()).append(',');
    text(out, row.keyId()).append(',');
    text(out, row.model()).append(',');
    text(out, row.provider()).append(',');
    text(out, row.status()).append(',');
    text(out, row.source()).append(',');
    out.append(row.promptTokens()).append(',');
    out.append(row.completionTokens()).append(',');
    out.append(row.cachedTokens()).append(',');
    out.append(row.reasoningTokens()).append(',');
    out.append(AdminJson.decimal(row.chargedNanos()).toPlainString()).append(',');
    out.append(AdminJson.decimal(row.chargedNanos()).toPlainString()).append(',');
    out.append(AdminJson.decimal(row.fromAllowanceNanos()).toPlainString()).append(',');
    out.append(AdminJson.decimal(row.fromBalanceNanos()).toPlainString()).append(',');
    out.append(row.startedAt()).append(',');
    if (row.ttftMs() != null) {
      out.append(row.ttftMs());
    }
    out.append(',').append(row.durationMs()).append(',');
    out.append(AdminJson.decimal(row.uncollectedNanos()).toPlainString()).append(',');
    out.append(row.cacheWriteTokens()).append(',');
    out.append(row.cacheWrite1hTokens()).append("\r\n");
    return out.toString();
  }

  /** Quoted when it holds a comma, quote or line break, quotes doubled. */
  private static StringBuilder text(StringBuilder out, String value) {
    boolean quote =
        value.indexOf(',') >= 0
            || value.indexOf('"') >= 0
            || value.indexOf('\n') >= 0
            || value.indexOf('\r') >= 0;
    if (!quote) {
      return out.append(value);
    }
    return out.append('"').append(value.replace("\"", "\"\"")).append('"');
  }
}
