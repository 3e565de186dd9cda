package dev.tollgate.gateway.admin;

import static dev.tollgate.gateway.admin.AdminJson.decimal;
import static dev.tollgate.gateway.admin.AdminJson.object;
import static dev.tollgate.gateway.admin.AdminJson.optionalText;
import static dev.tollgate.gateway.admin.AdminJson.requiredText;
import static dev.tollgate.gateway.admin.AdminJson.respond;

import dev.tollgate.billing.accounts.AccountChanges;
import dev.tollgate.billing.accounts.AuditEntry;
import dev.tollgate.billing.ledger.AccountRow;
import dev.tollgate.billing.redis.AccountState;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.gateway.billing.TopUpBonuses;
import dev.tollgate.gateway.error.GatewayException;
import dev.tollgate.gateway.json.JsonBodies;
import io.r2dbc.spi.R2dbcException;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /admin/accounts/{id}/credits}: money in ({@code credit}, {@code refund}, {@code
 * adjustment}) and out ({@code debit}, or an {@code adjustment} with a negative amount), once per
 * reference. PostgreSQL first (ledger entry, balance and audit entry in one transaction), then the
 * Redis balance through the credit script, whose marker keeps a retry from counting twice.
 */
final class CreditsAdminHandler {

  private static final Logger log = LoggerFactory.getLogger(CreditsAdminHandler.class);

  /** Admin credits' ledger references live in their own namespace, apart from payment ids. */
  static final String REFERENCE_PREFIX = "admin:";

  /** PostgreSQL's SQLSTATE for a number past its column type, e.g. a balance past bigint. */
  private static final String NUMERIC_VALUE_OUT_OF_RANGE = "22003";

  /** Each type's category when the request names none. */
  private static final Map<String, String> DEFAULT_CATEGORY =
      Map.of(
          "credit", "topup", "refund", "refund", "adjustment", "adjustment", "debit", "adjustment");

  private final AccountsAdminHandler accounts;
  private final AccountChanges changes;
  private final HoldStore holds;
  private final AuditTrail audit;
  private final TopUpBonuses bonuses;

  CreditsAdminHandler(
      AccountsAdminHandler accounts,
      AccountChanges changes,
      HoldStore holds,
      AuditTrail audit,
      TopUpBonuses bonuses) {
    this.bonuses = Objects.requireNonNull(bonuses, "bonuses");
    this.accounts = Objects.requireNonNull(accounts, "accounts");
    this.changes = Objects.requireNonNull(changes, "changes");
    this.holds = Objects.requireNonNull(holds, "holds");
    this.audit = Objects.requireNonNull(audit, "audit");
  }

  /** A checked request: {@code signed} is negative for money out. */
  private record Move(
      String type,
      String ledgerType,
      String category,
      long signed,
      String reference,
      boolean allowNegative,
      @Nullable String note) {}

  Mono<ServerResponse> credit(ServerRequest request) {
    String id = request.pathVariable("id");
    return JsonBodies.readExactObject(request, AdminJson.MAX_BODY_BYTES)
        .map(CreditsAdminHandler::move)
        .zipWith(audit.admin(request))
        .flatMap(t -> accounts.existing(id).flatMap(row -> apply(row, t.getT1(), t.getT2())));
  }

  private static Move move(ObjectNode body) {
    String type = requiredText(body, "type");
    if (!DEFAULT_CATEGORY.containsKey(type)) {
      throw GatewayException.badRequest(
          "type", "type: '" + type + "' (expected: credit, refund, adjustment or debit)");
    }
    JsonNode amountNode = body.get("amount");
    if (amountNode == null || amountNode.isNull()) {
      throw GatewayException.badRequest("amount", "amount: missing (expected: not 0)");
    }
    long signed = AdminJson.signedAmount(amountNode, "amount");
    if (signed == 0 || (signed < 0 && !type.equals("adjustment"))) {
      throw GatewayException.badRequest(
          "amount",
          "amount: "
              + amountNode
              + (type.equals("adjustment")
                  ? " (expected: not 0)"
                  : " (expected: > 0; only an adjustment may be negative)"));
    }
    if (type.equals("debit")) {
      signed = -signed;
    }
    String category = optionalText(body, "category");
    if (category == null) {
      category = DEFAULT_CATEGORY.get(type);
    } else if (!AccountChanges.CATEGORIES.contains(category) || category.equals("usage")) {
      throw GatewayException.badRequest(
          "category",
          "category: '"
              + category
              + "' (expected: topup, bonus, refund, adjustment or code; usage is the gateway's)");
    }
    JsonNode allow = body.get("allow_negative");
    if (allow != null && !allow.isNull() && !allow.isBoolean()) {
      throw GatewayException.badRequest(
          "allow_negative", "allow_negative: " + allow + " (expected: true or false)");
    }
    return new Move(
        type,
        signed < 0 ? "debit" : type,
        category,
        signed,
        requiredText(body, "reference"),
        allow != null && allow.asBoolean(false),
        optionalText(body, "note"));
  }

  private Mono<ServerResponse> apply(AccountRow account, Move move, AuditEntry.Context by) {
    String id = account.id();
    long amount = Math.abs(move.signed());
    return refuseBelowZero(id, move)
        .then(
            changes.move(
                id,
                move.ledgerType(),
                move.category(),
                amount,
                REFERENCE_PREFIX + move.reference(),
                move.allowNegative(),
                by))
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
            AccountChanges.BalanceTooLowException.class, e -> tooLow(e.balanceNanos(), move))
        .onErrorMap(
            IllegalStateException.class,
            e ->
                new GatewayException(
                    409,
                    "invalid_request_error",
                    "reference_conflict",
                    "reference",
                    e.getMessage()))
        .switchIfEmpty(Mono.error(() -> AccountsAdminHandler.unknownAccount(id)))
        .flatMap(
            moved -> {
              if (!moved.repeated()) {
                log.info(
                    "Admin {} {} of {} to {}: {}",
                    move.type(),
                    move.reference(),
                    move.signed(),
                    id,
                    move.note());
              }
              // Also on a repeat: an earlier attempt may have failed between the two stores; the
              // credit's marker keeps Redis from counting it twice.
              return holds
                  .credit(
                      id,
                      REFERENCE_PREFIX + move.ledgerType() + ":" + move.reference(),
                      move.signed())
                  .then(bonus(id, move, amount, by))
                  .flatMap(bonus -> balance(id).map(balance -> new long[] {bonus, balance}))
                  .flatMap(
                      t -> {
                        long bonus = t[0];
                        long balance = t[1];
                        ObjectNode out = object();
                        out.put("reference", move.reference());
                        out.put("type", move.ledgerType());
                        out.put("category", move.category());
                        out.put("amount", decimal(move.signed()));
                        out.put("balance", decimal(balance));
                        out.put("repeated", moved.repeated());
                        if (bonus > 0) {
                          out.put("bonus", decimal(bonus));
                        }
                        return respond(201, out);
                      });
            });
  }

  /**
   * A top-up's bonus ({@link TopUpBonuses}): credits of category {@code topup} only; also on a
   * repeat, which completes a bonus an earlier attempt left out.
   */
  private Mono<Long> bonus(String id, Move move, long amount, AuditEntry.Context by) {
    if (!move.ledgerType().equals("credit") || !move.category().equals("topup")) {
      return Mono.just(0L);
    }
    return bonuses.credit(id, amount, REFERENCE_PREFIX + move.reference(), by);
  }

  /**
   * Money out checked against the live balance too: Redis may hold less than PostgreSQL (charges
   * not flushed yet). PostgreSQL checks its own in the transaction. A repeat of a debit that was
   * applied is answered as a repeat, not refused: the live check only runs for a new reference.
   */
  private Mono<Void> refuseBelowZero(String id, Move move) {
    if (move.signed() > 0 || move.allowNegative()) {
      return Mono.empty();
    }
    return holds
        .account(id)
        .map(AccountState::balance)
        .filter(balance -> balance + move.signed() < 0)
        .flatMap(
            balance ->
                changes
                    .hasEntry(move.ledgerType(), REFERENCE_PREFIX + move.reference())
                    .flatMap(
                        exists -> exists ? Mono.<Void>empty() : Mono.error(tooLow(balance, move))));
  }

  private static GatewayException tooLow(long balance, Move move) {
    return new GatewayException(
        400,
        "invalid_request_error",
        "balance_too_low",
        "amount",
        "amount: "
            + decimal(move.signed()).toPlainString()
            + " would take the balance of "
            + decimal(balance).toPlainString()
            + " below zero (expected: at most the balance, or \"allow_negative\": true)");
  }

  /** The balance as reservations see it: Redis when the account is loaded, else PostgreSQL. */
  private Mono<Long> balance(String id) {
    return holds
        .account(id)
        .map(AccountState::balance)
        .switchIfEmpty(accounts.existing(id).map(AccountRow::balanceNanos));
  }
}
