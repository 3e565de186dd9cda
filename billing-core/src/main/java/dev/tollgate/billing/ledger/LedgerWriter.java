package dev.tollgate.billing.ledger;

import dev.tollgate.billing.internal.Sql;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Writes batches of settled charges to PostgreSQL, idempotently: a usage event per request, a usage
 * debit in the ledger, the account's balance and allowance decreased and the key's total spend
 * increased, only for requests not recorded before. A charge's allowance part is taken from the
 * account's {@code allowance_left_nanos} only when it was drawn from the period the account is in
 * now ({@link SettledCharge#subPeriodMs()} equal to {@code period_started_at}): a charge of a
 * period that has been renewed since is history, not a debit on the new allowance. Writing the same
 * batch again (a crash between commit and the outbox ack) changes nothing.
 *
 * <p>Each batch is one transaction of four statements, each binding whole columns as arrays ({@code
 * unnest}), so a batch of 500 costs four round trips, not 2,000.
 */
public final class LedgerWriter {

  private static final String INSERT_USAGE =
      """
      INSERT INTO usage_events (request_id, account_id, key_id, model, provider, status, source,
          prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens,
          cache_write_tokens, cache_write_1h_tokens,
          cost_nanos, charged_nanos, from_allowance_nanos, from_balance_nanos, uncollected_nanos,
          price_version, markup_ppm, discount_ppm, started_at, ttft_ms, duration_ms, settled_at)
      SELECT request_id, account_id, key_id, model, provider, status, source,
          prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens,
          cache_write, cache_write_1h,
          cost, charged, from_allowance, from_balance, uncollected,
          price_version, markup_ppm, discount_ppm,
          timestamptz 'epoch' + started_at_ms * interval '1 millisecond',
          CASE WHEN ttft_ms < 0 THEN NULL ELSE ttft_ms::integer END,
          duration_ms,
          timestamptz 'epoch' + settled_at_ms * interval '1 millisecond'
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
          $7::text[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[],
          $13::bigint[], $14::bigint[], $15::bigint[], $16::bigint[], $17::text[], $18::bigint[],
          $19::bigint[], $20::bigint[], $21::bigint[], $22::bigint[], $23::bigint[],
          $24::bigint[], $25::bigint[])
          AS t(request_id, account_id, key_id, model, provider, status, source,
               prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens,
               cost, charged, from_allowance, from_balance, uncollected,
               price_version, markup_ppm, discount_ppm, started_at_ms, ttft_ms, duration_ms,
               settled_at_ms, cache_write, cache_write_1h)
      ON CONFLICT (request_id) DO NOTHING
      RETURNING request_id
      """;

  // No ON CONFLICT: a usage debit whose usage event did not exist yet would be a broken
  // invariant, and failing the batch (nothing acknowledged, logged) is the honest reaction.
  private static final String INSERT_DEBITS =
      """
      INSERT INTO ledger_entries (account_id, type, category, amount_nanos, reference)
      SELECT account_id, 'debit', 'usage', amount, reference
      FROM unnest($1::text[], $2::bigint[], $3::text[]) AS t(account_id, amount, reference)
      """;

  // One row per account in d (the balance part); the allowance part is summed per account from the
  // (account, period) rows of p, counting only the periods equal to the account's current one. It
  // is evaluated against the row being updated, so a renewal committed meanwhile (which locks the
  // row) is seen: a charge drawn from the previous period's allowance never eats the new one.
  // A period of -1 stands for an entry that recorded none: it counts as the current period.
  private static final String DEBIT_ACCOUNTS =
      """
      UPDATE accounts AS a
      SET balance_nanos = a.balance_nanos - d.from_balance,
          allowance_left_nanos = a.allowance_left_nanos - coalesce(
              (SELECT sum(p.from_allowance)
               FROM unnest($3::text[], $4::bigint[], $5::bigint[])
                   AS p(id, sub_period, from_allowance)
               WHERE p.id = a.id
                 AND (p.sub_period < 0
                      OR date_trunc('milliseconds', a.period_started_at)
                         = timestamptz 'epoch' + p.sub_period * interval '1 millisecond')),
              0),
          updated_at = now()
      FROM unnest($1::text[], $2::bigint[]) AS d(id, from_balance)
      WHERE a.id = d.id
      """;

  // Keys that are not stored (development keys) match no row and are skipped.
  private static final String ADD_KEY_SPEND =
      """
      UPDATE api_keys AS k
      SET spent_nanos = k.spent_nanos + d.charged
      FROM unnest($1::text[], $2::bigint[]) AS d(id, charged)
      WHERE k.id = d.id
      """;

  private final ConnectionFactory connectionFactory;

  public LedgerWriter(ConnectionFactory connectionFactory) {
    this.connectionFactory = Objects.requireNonNull(connectionFactory, "connectionFactory");
  }

  /**
   * Writes one batch in one transaction.
   *
   * @return how many usage events were really inserted: requests already recorded (and repeats
   *     within the batch) are skipped, with their debits and balance changes
   */
  public Mono<Integer> write(List<SettledCharge> batch) {
    Objects.requireNonNull(batch, "batch");
    Map<String, SettledCharge> byRequest = new LinkedHashMap<>();
    for (SettledCharge charge : batch) {
      byRequest.putIfAbsent(charge.requestId(), charge);
    }
    if (byRequest.isEmpty()) {
      return Mono.just(0);
    }
    List<SettledCharge> charges = List.copyOf(byRequest.values());
    return Sql.inTransaction(
        connectionFactory,
        connection ->
            insertUsage(connection, charges)
                .collectList()
                .flatMap(
                    inserted -> {
                      List<SettledCharge> fresh = new ArrayList<>(inserted.size());
                      for (String requestId : inserted) {
                        fresh.add(byRequest.get(requestId));
                      }
                      return insertDebits(connection, fresh)
                          .then(debitAccounts(connection, fresh))
                          .then(addKeySpend(connection, fresh))
                          .thenReturn(fresh.size());
                    }));
  }

  private static Flux<String> insertUsage(Connection connection, List<SettledCharge> charges) {
    Statement statement = connection.createStatement(INSERT_USAGE);
    bindTexts(statement, 0, charges, SettledCharge::requestId);
    bindTexts(statement, 1, charges, SettledCharge::accountId);
    bindTexts(statement, 2, charges, SettledCharge::keyId);
    bindTexts(statement, 3, charges, SettledCharge::model);
    bindTexts(statement, 4, charges, SettledCharge::provider);
    bindTexts(statement, 5, charges, SettledCharge::status);
    bindTexts(statement, 6, charges, SettledCharge::source);
    bindLongs(statement, 7, charges, SettledCharge::promptTokens);
    bindLongs(statement, 8, charges, SettledCharge::completionTokens);
    bindLongs(statement, 9, charges, SettledCharge::cachedTokens);
    bindLongs(statement, 10, charges, SettledCharge::reasoningTokens);
    bindLongs(statement, 11, charges, SettledCharge::cost);
    bindLongs(statement, 12, charges, SettledCharge::charged);
    bindLongs(statement, 13, charges, SettledCharge::fromAllowance);
    bindLongs(statement, 14, charges, SettledCharge::fromBalance);
    bindLongs(statement, 15, charges, SettledCharge::uncollected);
    bindTexts(statement, 16, charges, SettledCharge::priceVersion);
    bindLongs(statement, 17, charges, SettledCharge::markupPpm);
    bindLongs(statement, 18, charges, SettledCharge::discountPpm);
    bindLongs(statement, 19, charges, SettledCharge::startedAtMs);
    bindLongs(statement, 20, charges, SettledCharge::ttftMs);
    bindLongs(statement, 21, charges, SettledCharge::durationMs);
    bindLongs(statement, 22, charges, SettledCharge::settledAtMs);
    bindLongs(statement, 23, charges, SettledCharge::cacheWriteTokens);
    bindLongs(statement, 24, charges, SettledCharge::cacheWrite1hTokens);
    return Flux.from(statement.execute())
        .concatMap(result -> result.map((row, metadata) -> row.get(0, String.class)));
  }

  private static Mono<Void> insertDebits(Connection connection, List<SettledCharge> fresh) {
    List<SettledCharge> debits = fresh.stream().filter(c -> c.charged() != 0).toList();
    if (debits.isEmpty()) {
      return Mono.empty();
    }
    Statement statement = connection.createStatement(INSERT_DEBITS);
    bindTexts(statement, 0, debits, SettledCharge::accountId);
    bindLongs(statement, 1, debits, SettledCharge::charged);
    bindTexts(statement, 2, debits, SettledCharge::requestId);
    return Sql.rowsUpdated(Flux.from(statement.execute())).then();
  }

  private static Mono<Void> addKeySpend(Connection connection, List<SettledCharge> fresh) {
    // Sorted by key id, as debitAccounts sorts accounts, for a stable lock order.
    Map<String, Long> perKey = new TreeMap<>();
    for (SettledCharge charge : fresh) {
      if (charge.charged() != 0) {
        perKey.merge(charge.keyId(), charge.charged(), Math::addExact);
      }
    }
    if (perKey.isEmpty()) {
      return Mono.empty();
    }
    List<Map.Entry<String, Long>> rows = List.copyOf(perKey.entrySet());
    Statement statement = connection.createStatement(ADD_KEY_SPEND);
    bindTexts(statement, 0, rows, Map.Entry::getKey);
    bindLongs(statement, 1, rows, Map.Entry::getValue);
    return Sql.rowsUpdated(Flux.from(statement.execute())).then();
  }

  private static Mono<Void> debitAccounts(Connection connection, List<SettledCharge> fresh) {
    // Sorted by account id so that concurrent batches tend to lock accounts in the same order.
    Map<String, Long> fromBalance = new TreeMap<>();
    Map<PeriodOf, Long> fromAllowance = new TreeMap<>();
    for (SettledCharge charge : fresh) {
      if (charge.fromBalance() == 0 && charge.fromAllowance() == 0) {
        continue;
      }
      fromBalance.merge(charge.accountId(), charge.fromBalance(), Math::addExact);
      if (charge.fromAllowance() != 0) {
        Long period = charge.subPeriodMs();
        fromAllowance.merge(
            new PeriodOf(charge.accountId(), period == null ? -1 : period),
            charge.fromAllowance(),
            Math::addExact);
      }
    }
    if (fromBalance.isEmpty()) {
      return Mono.empty();
    }
    List<Map.Entry<String, Long>> rows = List.copyOf(fromBalance.entrySet());
    List<Map.Entry<PeriodOf, Long>> periods = List.copyOf(fromAllowance.entrySet());
    Statement statement = connection.createStatement(DEBIT_ACCOUNTS);
    bindTexts(statement, 0, rows, Map.Entry::getKey);
    bindLongs(statement, 1, rows, Map.Entry::getValue);
    bindTexts(statement, 2, periods, row -> row.getKey().accountId());
    bindLongs(statement, 3, periods, row -> row.getKey().periodMs());
    bindLongs(statement, 4, periods, Map.Entry::getValue);
    return Sql.rowsUpdated(Flux.from(statement.execute()))
        .flatMap(
            updated ->
                updated == rows.size()
                    ? Mono.<Void>empty()
                    : Mono.error(
                        new IllegalStateException(
                            "accounts debited: "
                                + updated
                                + " (expected: "
                                + rows.size()
                                + "; an account of the batch is missing)")));
  }

  /** An account's allowance period (epoch ms; -1 when the charge recorded none). */
  private record PeriodOf(String accountId, long periodMs) implements Comparable<PeriodOf> {
    @Override
    public int compareTo(PeriodOf other) {
      int byAccount = accountId.compareTo(other.accountId);
      return byAccount != 0 ? byAccount : Long.compare(periodMs, other.periodMs);
    }
  }

  private static <T> void bindTexts(
      Statement statement, int index, List<T> rows, Function<T, String> column) {
    String[] values = new String[rows.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = column.apply(rows.get(i));
    }
    statement.bind(index, values);
  }

  private static <T> void bindLongs(
      Statement statement, int index, List<T> rows, ToLongFunction<T> column) {
    Long[] values = new Long[rows.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = column.applyAsLong(rows.get(i));
    }
    statement.bind(index, values);
  }
}
