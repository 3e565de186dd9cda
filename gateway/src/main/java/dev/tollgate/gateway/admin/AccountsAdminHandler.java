package dev.tollgate.gateway.admin;

import static dev.tollgate.gateway.admin.AdminJson.amount;
import static dev.tollgate.gateway.admin.AdminJson.decimal;
import static dev.tollgate.gateway.admin.AdminJson.discount;
import static dev.tollgate.gateway.admin.AdminJson.discountPpm;
import static dev.tollgate.gateway.admin.AdminJson.object;
import static dev.tollgate.gateway.admin.AdminJson.optionalText;
import static dev.tollgate.gateway.admin.AdminJson.requiredText;
import static dev.tollgate.gateway.admin.AdminJson.respond;

import dev.tollgate.billing.accounts.AccountChanges;
import dev.tollgate.billing.accounts.AccountDeletion;
import dev.tollgate.billing.accounts.ApiKeyRepository;
import dev.tollgate.billing.allowance.AllowancePeriods;
import dev.tollgate.billing.ledger.AccountRepository;
import dev.tollgate.billing.ledger.AccountRow;
import dev.tollgate.billing.ledger.AccountStatus;
import dev.tollgate.billing.redis.AccountState;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.gateway.auth.KeyRevocations;
import dev.tollgate.gateway.error.GatewayException;
import dev.tollgate.gateway.json.JsonBodies;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Accounts: create, read, change name, status and discount, delete. PostgreSQL is the system of
 * record and is written first; the Redis copy of a loaded account is brought along afterwards.
 */
final class AccountsAdminHandler {

  private static final Logger log = LoggerFactory.getLogger(AccountsAdminHandler.class);

  private final AccountRepository accounts;
  private final HoldStore holds;
  private final KeyRevocations revocations;
  private final AccountChanges changes;
  private final AccountDeletion deletion;
  private final ApiKeyRepository keys;
  private final AuditTrail audit;

  AccountsAdminHandler(
      AccountRepository accounts,
      HoldStore holds,
      KeyRevocations revocations,
      AccountChanges changes,
      AccountDeletion deletion,
      ApiKeyRepository keys,
      AuditTrail audit) {
    this.accounts = Objects.requireNonNull(accounts, "accounts");
    this.holds = Objects.requireNonNull(holds, "holds");
    this.revocations = Objects.requireNonNull(revocations, "revocations");
    this.changes = Objects.requireNonNull(changes, "changes");
    this.deletion = Objects.requireNonNull(deletion, "deletion");
    this.keys = Objects.requireNonNull(keys, "keys");
    this.audit = Objects.requireNonNull(audit, "audit");
  }

  Mono<ServerResponse> create(ServerRequest request) {
    return JsonBodies.readExactObject(request, AdminJson.MAX_BODY_BYTES)
        .map(AccountsAdminHandler::newAccount)
        .zipWith(audit.admin(request))
        .flatMap(
            t -> {
              AccountRow row = t.getT1();
              return accounts
                  .ensure(row)
                  .flatMap(
                      created ->
                          created
                              ? audit
                                  .record(
                                      t.getT2()
                                          .entry("account.create", row.id(), Map.of(), fields(row)))
                                  .then(respond(201, view(row, Optional.empty())))
                              : Mono.error(
                                  new IllegalStateException("account id taken: " + row.id())));
            });
  }

  /** What the trail records of a new account. */
  private static Map<String, @Nullable Object> fields(AccountRow row) {
    Map<String, @Nullable Object> out = new LinkedHashMap<>();
    out.put("name", row.name());
    out.put("owner", row.ownerSubject());
    out.put("status", row.status().wireName());
    out.put("discount_ppm", row.discountPpm());
    out.put("allowance_nanos", row.allowanceNanos());
    out.put("allowance_period", row.allowancePeriod());
    return out;
  }

  private static AccountRow newAccount(ObjectNode body) {
    String name = requiredText(body, "name");
    String owner = requiredText(body, "owner");
    long allowance = 0;
    String period = null;
    JsonNode planNode = body.get("plan");
    if (planNode != null && !planNode.isNull()) {
      AccountChanges.Plan plan = plan(planNode, false);
      allowance = plan.allowanceNanos();
      period = plan.period();
    }
    JsonNode discount = body.get("discount");
    long ppm = discount == null || discount.isNull() ? 0 : discountPpm(discount, "discount");
    try {
      return new AccountRow(
          AccountRepository.newId(),
          name,
          owner,
          0,
          allowance,
          allowance,
          period,
          ppm,
          AccountStatus.ACTIVE);
    } catch (IllegalArgumentException e) {
      throw GatewayException.badRequest(null, e.getMessage());
    }
  }

  Mono<ServerResponse> get(ServerRequest request) {
    String id = request.pathVariable("id");
    return existing(id)
        .flatMap(
            row ->
                holds
                    .account(id)
                    .map(Optional::of)
                    .defaultIfEmpty(Optional.empty())
                    .flatMap(cached -> respond(200, view(row, cached))));
  }

  /**
   * Changes name, status or discount in PostgreSQL (with its audit entry), then the Redis copy, and
   * has every instance forget the account's cached keys.
   */
  Mono<ServerResponse> update(ServerRequest request) {
    String id = request.pathVariable("id");
    if (!isAccountId(id)) {
      return Mono.error(unknownAccount(id));
    }
    return JsonBodies.readExactObject(request, AdminJson.MAX_BODY_BYTES)
        .map(AccountsAdminHandler::patch)
        .zipWith(audit.admin(request))
        .flatMap(
            t ->
                changes
                    .update(id, t.getT1(), t.getT2())
                    .onErrorMap(
                        IllegalArgumentException.class,
                        e -> GatewayException.badRequest("plan.period", e.getMessage()))
                    .switchIfEmpty(Mono.error(() -> unknownAccount(id)))
                    .flatMap(
                        row ->
                            holds
                                .updateAccount(id, row.status().wireName(), row.discountPpm())
                                .then(restart(row, t.getT1().plan()))
                                .then(revocations.accountChanged(id))
                                .then(get(request))));
  }

  /**
   * A plan restarted now reaches the cached account at once (the renewal script only replaces an
   * older period, so a plan from the next period, whose start is unchanged, writes nothing); should
   * this fail, the renewal job applies it, as PostgreSQL marks it pending.
   */
  private Mono<Void> restart(AccountRow row, AccountChanges.@Nullable Plan plan) {
    Instant start = row.periodStartedAt();
    if (plan == null || start == null) {
      return Mono.empty();
    }
    return holds
        .renewAllowance(row.id(), start, row.allowanceNanos())
        .then()
        .onErrorResume(
            e -> {
              log.warn("The new plan of {} reaches Redis with the renewal job", row.id(), e);
              return Mono.empty();
            });
  }

  private static AccountChanges.AccountPatch patch(ObjectNode body) {
    for (String field : body.propertyNames()) {
      if (!PATCH_FIELDS.contains(field)) {
        throw GatewayException.badRequest(
            field, field + ": unknown field (expected: one of " + PATCH_FIELDS + ")");
      }
    }
    AccountChanges.Plan plan = body.has("plan") ? plan(body.get("plan"), true) : null;
    JsonNode statusNode = body.get("status");
    AccountStatus status =
        statusNode == null || statusNode.isNull() ? null : status(requiredText(body, "status"));
    String name = body.has("name") ? requiredText(body, "name") : null;
    JsonNode discount = body.get("discount");
    Long ppm = discount == null || discount.isNull() ? null : discountPpm(discount, "discount");
    if (status == null && name == null && ppm == null && plan == null) {
      throw GatewayException.badRequest(
          null, "Nothing to change (expected: at least one of name, status, discount, plan).");
    }
    return new AccountChanges.AccountPatch(name, status, ppm, plan);
  }

  /**
   * A plan {@code {"allowance": "20.00", "period": "P1M"}}, in a change also with {@code
   * "effective": "now"} (restart the period at once) or {@code "next_period"} (the default).
   */
  private static AccountChanges.Plan plan(JsonNode plan, boolean change) {
    if (plan == null || !plan.isObject() || plan.get("allowance") == null) {
      throw GatewayException.badRequest(
          "plan", "plan: expected {\"allowance\": \"20.00\", \"period\": \"P1M\"}");
    }
    long allowance = amount(plan.get("allowance"), "plan.allowance");
    String period = requiredText(plan, "period");
    try {
      AllowancePeriods.parse(period);
    } catch (IllegalArgumentException e) {
      throw GatewayException.badRequest(
          "plan.period",
          "plan.period: '"
              + period
              + "' (expected: a positive ISO-8601 period such as P1M or P30D)");
    }
    String effective = change ? optionalText(plan, "effective") : null;
    if (effective != null && !effective.equals("now") && !effective.equals("next_period")) {
      throw GatewayException.badRequest(
          "plan.effective", "plan.effective: '" + effective + "' (expected: now or next_period)");
    }
    return new AccountChanges.Plan(allowance, period, "now".equals(effective));
  }

  private static final List<String> PATCH_FIELDS = List.of("name", "status", "discount", "plan");

  /**
   * The owner's deletion ({@link AccountDeletion}), by an admin: every key revoked and forgotten on
   * every instance first, then the data deleted and the account anonymised, the ledger kept.
   */
  Mono<ServerResponse> delete(ServerRequest request) {
    String id = request.pathVariable("id");
    return existing(id)
        .zipWith(audit.admin(request))
        .flatMap(
            t ->
                keys.revokeAllOf(id)
                    .then(revocations.accountChanged(id))
                    .then(
                        deletion.delete(
                            id,
                            t.getT2()
                                .entry(
                                    "account.delete",
                                    id,
                                    Map.of("status", t.getT1().status().wireName()),
                                    Map.of("status", "deleted"))))
                    // Again: a lookup between the first eviction and the deletion may have
                    // cached the account as it was.
                    .then(revocations.accountChanged(id))
                    .doOnSuccess(done -> log.info("Account {} deleted by an admin", id)))
        .then(ServerResponse.noContent().build());
  }

  Mono<AccountRow> existing(String id) {
    if (!isAccountId(id)) {
      return Mono.error(unknownAccount(id));
    }
    return accounts
        .find(id)
        .filter(row -> row.status() != AccountStatus.DELETED)
        .switchIfEmpty(Mono.error(() -> unknownAccount(id)));
  }

  /** Whether {@code id} could name a stored account (PostgreSQL refuses a NUL in text). */
  static boolean isAccountId(String id) {
    return JsonBodies.isStorable(id, JsonBodies.MAX_TEXT_LENGTH);
  }

  static GatewayException unknownAccount(String id) {
    String shown = isAccountId(id) ? id : "(not an account id)";
    return GatewayException.notFound("No account '" + shown + "'.");
  }

  static AccountStatus status(String text) {
    if (text.equals("active")) {
      return AccountStatus.ACTIVE;
    }
    if (text.equals("suspended")) {
      return AccountStatus.SUSPENDED;
    }
    throw GatewayException.badRequest(
        "status", "status: '" + text + "' (expected: active or suspended)");
  }

  private static ObjectNode view(AccountRow row, Optional<AccountState> cached) {
    ObjectNode out = object();
    out.put("id", row.id());
    out.put("name", row.name());
    out.put("owner", row.ownerSubject());
    out.put("balance", decimal(cached.map(AccountState::balance).orElse(row.balanceNanos())));
    out.put(
        "allowance_left",
        decimal(cached.map(AccountState::subLeft).orElse(row.allowanceLeftNanos())));
    out.put("held", decimal(cached.map(AccountState::held).orElse(0L)));
    out.put("discount", discount(cached.map(AccountState::discountPpm).orElse(row.discountPpm())));
    out.put("status", row.status().wireName());
    if (row.allowancePeriod() != null) {
      ObjectNode plan = out.putObject("plan");
      plan.put("allowance", decimal(row.allowanceNanos()));
      plan.put("period", row.allowancePeriod());
      if (row.periodStartedAt() != null) {
        plan.put("period_started_at", row.periodStartedAt().toString());
      }
    }
    return out;
  }
}
