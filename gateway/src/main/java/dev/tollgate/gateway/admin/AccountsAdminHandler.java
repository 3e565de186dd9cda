package dev.tollgate.gateway.admin;

import static dev.tollgate.gateway.admin.AdminJson.amount;
import static dev.tollgate.gateway.admin.AdminJson.decimal;
import static dev.tollgate.gateway.admin.AdminJson.discount;
import static dev.tollgate.gateway.admin.AdminJson.discountPpm;
import static dev.tollgate.gateway.admin.AdminJson.object;
import static dev.tollgate.gateway.admin.AdminJson.optionalText;
import static dev.tollgate.gateway.admin.AdminJson.requiredText;
import static dev.tollgate.gateway.admin.AdminJson.respond;

import dev.tollgate.billing.allowance.AllowancePeriods;
import dev.tollgate.billing.ledger.AccountRepository;
import dev.tollgate.billing.ledger.AccountRow;
import dev.tollgate.billing.ledger.AccountStatus;
import dev.tollgate.billing.redis.AccountState;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.gateway.api.GatewayException;
import dev.tollgate.gateway.api.JsonBodies;
import dev.tollgate.gateway.auth.KeyRevocations;
import io.r2dbc.spi.R2dbcException;
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
 * Accounts: create, read, change status and discount, credit. PostgreSQL is the system of record
 * and is written first; the Redis copy of a loaded account is brought along afterwards.
 */
final class AccountsAdminHandler {

  private static final Logger log = LoggerFactory.getLogger(AccountsAdminHandler.class);

  /** Admin credits' ledger references live in their own namespace, apart from payment ids. */
  static final String REFERENCE_PREFIX = "admin:";

  /** PostgreSQL's SQLSTATE for a number past its column type, e.g. a balance past bigint. */
  private static final String NUMERIC_VALUE_OUT_OF_RANGE = "22003";

  private final AccountRepository accounts;
  private final HoldStore holds;
  private final KeyRevocations revocations;

  AccountsAdminHandler(AccountRepository accounts, HoldStore holds, KeyRevocations revocations) {
    this.accounts = Objects.requireNonNull(accounts, "accounts");
    this.holds = Objects.requireNonNull(holds, "holds");
    this.revocations = Objects.requireNonNull(revocations, "revocations");
  }

  Mono<ServerResponse> create(ServerRequest request) {
    return JsonBodies.readExactObject(request, AdminJson.MAX_BODY_BYTES)
        .flatMap(
            body -> {
              AccountRow row = newAccount(body);
              return accounts
                  .ensure(row)
                  .flatMap(
                      created ->
                          created
                              ? respond(201, view(row, Optional.empty()))
                              : Mono.error(
                                  new IllegalStateException("account id taken: " + row.id())));
            });
  }

  private static AccountRow newAccount(ObjectNode body) {
    String name = requiredText(body, "name");
    String owner = requiredText(body, "owner");
    long allowance = 0;
    String period = null;
    JsonNode plan = body.get("plan");
    if (plan != null && !plan.isNull()) {
      if (!plan.isObject() || plan.get("allowance") == null) {
        throw GatewayException.badRequest(
            "plan", "plan: expected {\"allowance\": \"20.00\", \"period\": \"P1M\"}");
      }
      allowance = amount(plan.get("allowance"), "plan.allowance");
      period = requiredText(plan, "period");
      try {
        AllowancePeriods.parse(period);
      } catch (IllegalArgumentException e) {
        throw GatewayException.badRequest(
            "plan.period",
            "plan.period: '"
                + period
                + "' (expected: a positive ISO-8601 period such as P1M or P30D)");
      }
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

  Mono<ServerResponse> update(ServerRequest request) {
    String id = request.pathVariable("id");
    if (!isAccountId(id)) {
      return Mono.error(unknownAccount(id));
    }
    return JsonBodies.readExactObject(request, AdminJson.MAX_BODY_BYTES)
        .flatMap(
            body -> {
              AccountStatus status = status(requiredText(body, "status"));
              JsonNode discount = body.get("discount");
              Long ppm =
                  discount == null || discount.isNull() ? null : discountPpm(discount, "discount");
              return accounts
                  .updateStatus(id, status, ppm)
                  .switchIfEmpty(Mono.error(() -> unknownAccount(id)));
            })
        .flatMap(
            row ->
                holds
                    .updateAccount(id, row.status().wireName(), row.discountPpm())
                    .then(revocations.accountChanged(id))
                    .then(get(request)));
  }

  Mono<ServerResponse> credit(ServerRequest request) {
    String id = request.pathVariable("id");
    return JsonBodies.readExactObject(request, AdminJson.MAX_BODY_BYTES)
        .flatMap(
            body -> {
              JsonNode amountNode = body.get("amount");
              if (amountNode == null || amountNode.isNull()) {
                throw GatewayException.badRequest("amount", "amount: missing (expected: > 0)");
              }
              long amount = amount(amountNode, "amount");
              if (amount <= 0) {
                throw GatewayException.badRequest("amount", "amount: 0 (expected: > 0)");
              }
              String reference = requiredText(body, "reference");
              String type = requiredText(body, "type");
              if (!AccountRepository.CREDIT_TYPES.contains(type)) {
                throw GatewayException.badRequest(
                    "type", "type: '" + type + "' (expected: credit, refund or adjustment)");
              }
              String note = optionalText(body, "note");
              return existing(id).flatMap(row -> credit(row, reference, type, amount, note));
            });
  }

  private Mono<ServerResponse> credit(
      AccountRow account, String reference, String type, long amount, @Nullable String note) {
    String id = account.id();
    return accounts
        .credit(id, REFERENCE_PREFIX + reference, type, amount, "admin")
        .map(balance -> false)
        .defaultIfEmpty(true)
        .onErrorMap(
            e ->
                e instanceof R2dbcException r2dbc
                    && NUMERIC_VALUE_OUT_OF_RANGE.equals(r2dbc.getSqlState()),
            e ->
                GatewayException.badRequest(
                    "amount",
                    "amount: "
                        + decimal(amount).toPlainString()
                        + " would take the balance past "
                        + decimal(Long.MAX_VALUE).toPlainString()
                        + " (expected: a smaller amount)"))
        .onErrorMap(
            IllegalStateException.class,
            e ->
                new GatewayException(
                    409,
                    "invalid_request_error",
                    "reference_conflict",
                    "reference",
                    e.getMessage()))
        .flatMap(
            repeated -> {
              if (!repeated) {
                log.info("Admin {} {} of {} to {}: {}", type, reference, amount, id, note);
              }
              // Also on a repeat: an earlier attempt may have failed between the two stores; the
              // credit's marker keeps Redis from counting it twice.
              return holds
                  .credit(id, REFERENCE_PREFIX + type + ":" + reference, amount)
                  .then(balance(id))
                  .flatMap(
                      balance -> {
                        ObjectNode out = object();
                        out.put("reference", reference);
                        out.put("balance", decimal(balance));
                        out.put("repeated", repeated);
                        return respond(201, out);
                      });
            });
  }

  /** The balance as reservations see it: Redis when the account is loaded, else PostgreSQL. */
  private Mono<Long> balance(String id) {
    return holds
        .account(id)
        .map(AccountState::balance)
        .switchIfEmpty(existing(id).map(AccountRow::balanceNanos));
  }

  private Mono<AccountRow> existing(String id) {
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

  private static AccountStatus status(String text) {
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
