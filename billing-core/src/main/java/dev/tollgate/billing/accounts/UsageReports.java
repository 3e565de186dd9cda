package dev.tollgate.billing.accounts;

import dev.tollgate.billing.internal.Sql;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Usage summed per group across accounts, for the operator: requests, tokens and money per day
 * (UTC), model, account or key, over {@code [from, to)} by {@code started_at}.
 */
public final class UsageReports {

  /** How rows are grouped. */
  public enum GroupBy {
    // Days are grouped on the truncated timestamp and named afterwards: grouping on the text of
    // the date made PostgreSQL sort every row of the range (spilling to disk past work_mem)
    // instead of hashing them into a few dozen groups (docs/operations.md, "Usage reports").
    DAY("date_trunc('day', started_at AT TIME ZONE 'UTC')", "to_char(g, 'YYYY-MM-DD')"),
    MODEL("model", "g"),
    ACCOUNT("account_id", "g"),
    KEY("key_id", "g");

    private final String expression;
    private final String name;

    GroupBy(String expression, String name) {
      this.expression = expression;
      this.name = name;
    }
  }

  /** One group's totals; money in nano-units. */
  public record Group(
      String group,
      long requests,
      long promptTokens,
      long completionTokens,
      long costNanos,
      long chargedNanos,
      long uncollectedNanos) {

    public Group {
      Objects.requireNonNull(group, "group");
    }
  }

  /** The most groups one report answers; more are cut off (a narrower range finds the rest). */
  public static final int MAX_GROUPS = 10_000;

  private final ConnectionFactory connectionFactory;

  public UsageReports(ConnectionFactory connectionFactory) {
    this.connectionFactory = Objects.requireNonNull(connectionFactory, "connectionFactory");
  }

  /**
   * The totals of each group, ordered by group.
   *
   * @param accountId only this account's usage, or every account's when null
   */
  public Mono<List<Group>> report(
      Instant from, Instant to, GroupBy groupBy, @Nullable String accountId) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(groupBy, "groupBy");
    if (!from.isBefore(to)) {
      throw new IllegalArgumentException("from: " + from + " (expected: before to, " + to + ")");
    }
    // The grouping is one of the fixed expressions above; values are bound.
    String sql =
        "SELECT "
            + groupBy.name
            + " AS grp, requests, prompt, completion, cost, charged, uncollected FROM (SELECT "
            + groupBy.expression
            + " AS g, count(*) AS requests, sum(prompt_tokens)::bigint AS prompt,"
            + " sum(completion_tokens)::bigint AS completion, sum(cost_nanos)::bigint AS cost,"
            + " sum(charged_nanos)::bigint AS charged,"
            + " sum(uncollected_nanos)::bigint AS uncollected"
            + " FROM usage_events WHERE started_at >= $1 AND started_at < $2"
            + (accountId == null ? "" : " AND account_id = $4")
            + " GROUP BY g) grouped ORDER BY grp LIMIT $3";
    return Sql.withConnectionMany(
            connectionFactory,
            connection -> {
              Statement statement =
                  connection.createStatement(sql).bind(0, from).bind(1, to).bind(2, MAX_GROUPS);
              if (accountId != null) {
                statement.bind(3, accountId);
              }
              return Sql.rows(statement, UsageReports::toGroup);
            })
        .collectList();
  }

  private static Group toGroup(Readable row) {
    return new Group(
        Sql.text(row, "grp"),
        Sql.longOf(row, "requests"),
        Sql.longOf(row, "prompt"),
        Sql.longOf(row, "completion"),
        Sql.longOf(row, "cost"),
        Sql.longOf(row, "charged"),
        Sql.longOf(row, "uncollected"));
  }
}
