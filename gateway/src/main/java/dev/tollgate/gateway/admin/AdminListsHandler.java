package dev.tollgate.gateway.admin;

import static dev.tollgate.gateway.admin.AdminJson.decimal;
import static dev.tollgate.gateway.admin.AdminJson.discount;
import static dev.tollgate.gateway.admin.AdminJson.object;
import static dev.tollgate.gateway.admin.AdminJson.respond;

import dev.tollgate.adapter.Json;
import dev.tollgate.billing.accounts.AccountQueries;
import dev.tollgate.billing.accounts.AuditLog;
import dev.tollgate.billing.accounts.AuditRow;
import dev.tollgate.billing.accounts.LedgerQueries;
import dev.tollgate.billing.accounts.LedgerRow;
import dev.tollgate.billing.accounts.Page;
import dev.tollgate.billing.accounts.UsageReports;
import dev.tollgate.billing.ledger.AccountRepository;
import dev.tollgate.billing.ledger.AccountRow;
import dev.tollgate.billing.ledger.AccountStatus;
import dev.tollgate.gateway.error.GatewayException;
import dev.tollgate.gateway.json.JsonBodies;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The operator's listings, newest first with opaque cursors: {@code GET /admin/accounts} and {@code
 * GET /admin/audit}.
 */
final class AdminListsHandler {

  /** A usage report's range when the request gives no {@code from}: this many days before to. */
  private static final Duration DEFAULT_RANGE = Duration.ofDays(30);

  private final AccountQueries accounts;
  private final AuditLog audit;
  private final UsageReports usage;
  private final LedgerQueries ledger;
  private final AccountRepository accountRows;

  AdminListsHandler(
      AccountQueries accounts,
      AuditLog audit,
      UsageReports usage,
      LedgerQueries ledger,
      AccountRepository accountRows) {
    this.accounts = Objects.requireNonNull(accounts, "accounts");
    this.audit = Objects.requireNonNull(audit, "audit");
    this.usage = Objects.requireNonNull(usage, "usage");
    this.ledger = Objects.requireNonNull(ledger, "ledger");
    this.accountRows = Objects.requireNonNull(accountRows, "accountRows");
  }

  /** {@code ?from=&to=&group_by=day|model|account|key&account_id=}. */
  Mono<ServerResponse> usage(ServerRequest request) {
    return Mono.defer(() -> usageReport(request));
  }

  private Mono<ServerResponse> usageReport(ServerRequest request) {
    Instant toParam = Queries.instant(request, "to");
    Instant to = toParam == null ? Instant.now() : toParam;
    Instant fromParam = Queries.instant(request, "from");
    Instant from = fromParam == null ? to.minus(DEFAULT_RANGE) : fromParam;
    String groupText = text(request, "group_by");
    UsageReports.GroupBy groupBy;
    try {
      groupBy =
          groupText == null
              ? UsageReports.GroupBy.DAY
              : UsageReports.GroupBy.valueOf(groupText.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw GatewayException.badRequest(
          "group_by", "group_by: '" + groupText + "' (expected: day, model, account or key)");
    }
    if (groupText != null && !groupText.equals(groupText.toLowerCase(Locale.ROOT))) {
      throw GatewayException.badRequest(
          "group_by", "group_by: '" + groupText + "' (expected: day, model, account or key)");
    }
    String accountId = text(request, "account_id");
    UsageReports.GroupBy grouping = groupBy;
    return Queries.badRequestOnIllegalArgument(() -> usage.report(from, to, grouping, accountId))
        .flatMap(
            groups -> {
              ObjectNode out = object();
              out.put("object", "list");
              out.put("group_by", grouping.name().toLowerCase(Locale.ROOT));
              out.put("from", from.toString());
              out.put("to", to.toString());
              ArrayNode data = out.putArray("data");
              for (UsageReports.Group g : groups) {
                ObjectNode e = data.addObject();
                e.put("group", g.group());
                e.put("requests", g.requests());
                e.put("input_tokens", g.promptTokens());
                e.put("output_tokens", g.completionTokens());
                e.put("cost", decimal(g.costNanos()));
                e.put("charged", decimal(g.chargedNanos()));
                e.put("uncollected", decimal(g.uncollectedNanos()));
              }
              out.put("truncated", groups.size() >= UsageReports.MAX_GROUPS);
              return respond(200, out);
            });
  }

  /** {@code ?account_id=&limit=&cursor=}: the account's ledger as its owner sees it. */
  Mono<ServerResponse> ledger(ServerRequest request) {
    return Mono.defer(() -> ledgerPage(request));
  }

  private Mono<ServerResponse> ledgerPage(ServerRequest request) {
    String accountId = text(request, "account_id");
    if (accountId == null) {
      throw GatewayException.badRequest(
          "account_id", "account_id: missing (expected: an account id)");
    }
    String cursor = text(request, "cursor");
    int limit = Queries.limit(request, LedgerQueries.MAX_PAGE);
    // A deleted account's ledger is kept, and shown.
    return accountRows
        .find(accountId)
        .switchIfEmpty(Mono.error(() -> AccountsAdminHandler.unknownAccount(accountId)))
        .flatMap(
            row -> Queries.badRequestOnIllegalArgument(() -> ledger.page(accountId, cursor, limit)))
        .flatMap(page -> respond(200, list(page, AdminListsHandler::ledgerEntry)));
  }

  private static ObjectNode ledgerEntry(LedgerRow entry) {
    ObjectNode e = object();
    e.put("id", entry.id());
    e.put("object", "ledger_entry");
    e.put("type", entry.type());
    e.put("category", entry.category());
    e.put("amount", decimal(entry.amountNanos()));
    e.put("reference", entry.reference());
    e.put("created_at", entry.createdAt().toString());
    return e;
  }

  /** {@code ?q=&status=&limit=&cursor=}. */
  Mono<ServerResponse> accounts(ServerRequest request) {
    return Mono.defer(() -> accountsPage(request));
  }

  private Mono<ServerResponse> accountsPage(ServerRequest request) {
    String q = text(request, "q");
    String statusText = text(request, "status");
    AccountStatus status = null;
    if (statusText != null) {
      try {
        status = AccountStatus.fromWireName(statusText);
      } catch (IllegalArgumentException e) {
        throw GatewayException.badRequest(
            "status", "status: '" + statusText + "' (expected: active, suspended or deleted)");
      }
    }
    AccountStatus wanted = status;
    String cursor = text(request, "cursor");
    int limit = Queries.limit(request, AccountQueries.MAX_PAGE);
    return Queries.badRequestOnIllegalArgument(() -> accounts.page(q, wanted, cursor, limit))
        .flatMap(page -> respond(200, list(page, AdminListsHandler::account)));
  }

  /** {@code ?target=&actor=&from=&limit=&cursor=}. */
  Mono<ServerResponse> audit(ServerRequest request) {
    return Mono.defer(() -> auditPage(request));
  }

  private Mono<ServerResponse> auditPage(ServerRequest request) {
    String target = text(request, "target");
    String actor = text(request, "actor");
    Instant from = Queries.instant(request, "from");
    String cursor = text(request, "cursor");
    int limit = Queries.limit(request, AuditLog.MAX_PAGE);
    return Queries.badRequestOnIllegalArgument(() -> audit.page(target, actor, from, cursor, limit))
        .flatMap(page -> respond(200, list(page, AdminListsHandler::entry)));
  }

  /** A query parameter as stored text (no NUL or other control character), or null. */
  private static @Nullable String text(ServerRequest request, String name) {
    String value = request.queryParam(name).orElse(null);
    if (value == null || value.isEmpty()) {
      return null;
    }
    return JsonBodies.text(name, value, JsonBodies.MAX_TEXT_LENGTH);
  }

  private static <T> ObjectNode list(Page<T> page, Function<T, ObjectNode> view) {
    ObjectNode out = object();
    out.put("object", "list");
    ArrayNode data = out.putArray("data");
    page.items().forEach(item -> data.add(view.apply(item)));
    out.put("next_cursor", page.nextCursor());
    return out;
  }

  private static ObjectNode account(AccountQueries.Listed listed) {
    AccountRow row = listed.account();
    ObjectNode out = object();
    out.put("id", row.id());
    out.put("object", "account");
    out.put("name", row.name());
    out.put("owner", row.ownerSubject());
    out.put("status", row.status().wireName());
    out.put("balance", decimal(row.balanceNanos()));
    out.put("discount", discount(row.discountPpm()));
    if (row.allowancePeriod() != null) {
      ObjectNode plan = out.putObject("plan");
      plan.put("allowance", decimal(row.allowanceNanos()));
      plan.put("period", row.allowancePeriod());
    }
    out.put("created_at", listed.createdAt().toString());
    return out;
  }

  private static ObjectNode entry(AuditRow row) {
    ObjectNode out = object();
    out.put("id", row.id());
    out.put("object", "audit_entry");
    out.put("at", row.at().toString());
    out.put("actor", row.actor());
    out.put("action", row.action());
    out.put("target", row.target());
    out.put("request_id", row.requestId());
    out.set("before", row.before() == null ? null : Json.MAPPER.readTree(row.before()));
    out.set("after", row.after() == null ? null : Json.MAPPER.readTree(row.after()));
    return out;
  }
}
