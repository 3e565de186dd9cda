package dev.tollgate.gateway.account;

import static dev.tollgate.gateway.admin.AdminJson.decimal;
import static dev.tollgate.gateway.admin.AdminJson.object;
import static dev.tollgate.gateway.admin.AdminJson.respond;

import dev.tollgate.adapter.Json;
import dev.tollgate.billing.accounts.Page;
import dev.tollgate.billing.accounts.UsageQueries;
import dev.tollgate.billing.accounts.UsageRow;
import dev.tollgate.gateway.admin.Queries;
import dev.tollgate.gateway.error.GatewayException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The account's usage history (to its owner and to its API keys): pages of it, and all of it as a
 * CSV or JSON download written row by row as billing-core reads it in chunks, so an export of any
 * length holds a few chunks at most.
 */
final class AccountUsageHandler {

  private static final MediaType CSV = new MediaType("text", "csv", StandardCharsets.UTF_8);

  private final AccountOwners owners;
  private final UsageQueries usage;

  AccountUsageHandler(AccountOwners owners, UsageQueries usage) {
    this.owners = Objects.requireNonNull(owners, "owners");
    this.usage = Objects.requireNonNull(usage, "usage");
  }

  Mono<ServerResponse> page(ServerRequest request) {
    Instant from = Queries.instant(request, "from");
    Instant to = Queries.instant(request, "to");
    String model = request.queryParam("model").filter(m -> !m.isBlank()).orElse(null);
    String cursor = request.queryParam("cursor").orElse(null);
    int limit = Queries.limit(request, UsageQueries.MAX_PAGE);
    return owners
        .byJwtOrKey(request)
        .flatMap(
            account ->
                Queries.badRequestOnIllegalArgument(
                    () -> usage.page(account.id(), from, to, model, cursor, limit)))
        .flatMap(page -> respond(200, list(page)));
  }

  Mono<ServerResponse> export(ServerRequest request) {
    Instant from = Queries.instant(request, "from");
    Instant to = Queries.instant(request, "to");
    String format = request.queryParam("format").orElse("csv");
    boolean csv =
        switch (format) {
          case "csv" -> true;
          case "json" -> false;
          default ->
              throw GatewayException.badRequest(
                  "format", "format: '" + format + "' (expected: csv or json)");
        };
    return owners
        .byJwtOrKey(request)
        .flatMap(
            account ->
                Queries.badRequestOnIllegalArgument(
                    () -> Mono.just(usage.export(account.id(), from, to))))
        .flatMap(
            rows ->
                ServerResponse.ok()
                    .contentType(csv ? CSV : MediaType.APPLICATION_JSON)
                    .header(
                        HttpHeaders.CONTENT_DISPOSITION,
                        "attachment; filename=\"usage." + format + "\"")
                    .body(BodyInserters.fromDataBuffers(csv ? UsageCsv.lines(rows) : json(rows))));
  }

  /** A JSON array, one element per buffer: {@code [} row {@code ,} row ... {@code ]}. */
  private static Flux<DataBuffer> json(Flux<UsageRow> rows) {
    Flux<byte[]> elements =
        rows.index()
            .map(
                indexed -> {
                  byte[] row = Json.MAPPER.writeValueAsBytes(view(indexed.getT2()));
                  if (indexed.getT1() == 0) {
                    return row;
                  }
                  byte[] withComma = new byte[row.length + 1];
                  withComma[0] = ',';
                  System.arraycopy(row, 0, withComma, 1, row.length);
                  return withComma;
                });
    return Flux.concat(Mono.just(new byte[] {'['}), elements, Mono.just(new byte[] {']'}))
        .map(DefaultDataBufferFactory.sharedInstance::wrap);
  }

  private static ObjectNode list(Page<UsageRow> page) {
    ObjectNode out = object();
    out.put("object", "list");
    ArrayNode data = out.putArray("data");
    page.items().forEach(row -> data.add(view(row)));
    out.put("next_cursor", page.nextCursor());
    return out;
  }

  static ObjectNode view(UsageRow row) {
    ObjectNode out = object();
    out.put("request_id", row.requestId());
    out.put("object", "usage");
    out.put("key_id", row.keyId());
    out.put("model", row.model());
    out.put("provider", row.provider());
    out.put("status", row.status());
    out.put("source", row.source());
    out.put("prompt_tokens", row.promptTokens());
    out.put("completion_tokens", row.completionTokens());
    out.put("cached_tokens", row.cachedTokens());
    out.put("reasoning_tokens", row.reasoningTokens());
    out.put("cache_write_tokens", row.cacheWriteTokens());
    out.put("cache_write_1h_tokens", row.cacheWrite1hTokens());
    // What was charged: the sum over an account's rows is what it paid (docs/api.md)
    out.put("cost", decimal(row.chargedNanos()));
    out.put("charged", decimal(row.chargedNanos()));
    out.put("uncollected", decimal(row.uncollectedNanos()));
    out.put("from_allowance", decimal(row.fromAllowanceNanos()));
    out.put("from_balance", decimal(row.fromBalanceNanos()));
    out.put("started_at", row.startedAt().toString());
    out.put("ttft_ms", row.ttftMs());
    out.put("duration_ms", row.durationMs());
    return out;
  }
}
