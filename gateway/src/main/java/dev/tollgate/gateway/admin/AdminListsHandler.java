package dev.tollgate.gateway.admin;

import static dev.tollgate.gateway.admin.AdminJson.decimal;
import static dev.tollgate.gateway.admin.AdminJson.discount;
import static dev.tollgate.gateway.admin.AdminJson.object;
import static dev.tollgate.gateway.admin.AdminJson.respond;

import dev.tollgate.adapter.Json;
import dev.tollgate.billing.accounts.AccountQueries;
import dev.tollgate.billing.accounts.AuditLog;
import dev.tollgate.billing.accounts.AuditRow;
import dev.tollgate.billing.accounts.Page;
import dev.tollgate.billing.ledger.AccountRow;
import dev.tollgate.billing.ledger.AccountStatus;
import dev.tollgate.gateway.account.Queries;
import dev.tollgate.gateway.api.GatewayException;
import dev.tollgate.gateway.api.JsonBodies;
import java.time.Instant;
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

  private final AccountQueries accounts;
  private final AuditLog audit;

  AdminListsHandler(AccountQueries accounts, AuditLog audit) {
    this.accounts = Objects.requireNonNull(accounts, "accounts");
    this.audit = Objects.requireNonNull(audit, "audit");
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
