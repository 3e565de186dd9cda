package dev.tollgate.gateway.account;

import static dev.tollgate.gateway.admin.AdminJson.decimal;
import static dev.tollgate.gateway.admin.AdminJson.object;
import static dev.tollgate.gateway.admin.AdminJson.respond;

import dev.tollgate.billing.accounts.AccountDeletion;
import dev.tollgate.billing.accounts.ApiKeyRepository;
import dev.tollgate.billing.accounts.LedgerQueries;
import dev.tollgate.billing.accounts.LedgerRow;
import dev.tollgate.billing.accounts.Page;
import dev.tollgate.billing.allowance.AllowancePeriods;
import dev.tollgate.billing.ledger.AccountRepository;
import dev.tollgate.billing.ledger.AccountRow;
import dev.tollgate.billing.redis.AccountState;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.gateway.admin.AuditTrail;
import dev.tollgate.gateway.admin.Queries;
import dev.tollgate.gateway.auth.KeyRevocations;
import java.time.Instant;
import java.time.Period;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The account itself: read it, read its ledger, delete it. */
final class AccountHandler {

  private static final Logger log = LoggerFactory.getLogger(AccountHandler.class);

  private final AccountOwners owners;
  private final AccountRepository accounts;
  private final HoldStore holds;
  private final ApiKeyRepository keys;
  private final KeyRevocations revocations;
  private final AccountDeletion deletion;
  private final LedgerQueries ledger;
  private final String currency;
  private final AuditTrail audit;

  AccountHandler(
      AccountOwners owners,
      AccountRepository accounts,
      HoldStore holds,
      ApiKeyRepository keys,
      KeyRevocations revocations,
      AccountDeletion deletion,
      LedgerQueries ledger,
      String currency,
      AuditTrail audit) {
    this.owners = Objects.requireNonNull(owners, "owners");
    this.accounts = Objects.requireNonNull(accounts, "accounts");
    this.holds = Objects.requireNonNull(holds, "holds");
    this.keys = Objects.requireNonNull(keys, "keys");
    this.revocations = Objects.requireNonNull(revocations, "revocations");
    this.deletion = Objects.requireNonNull(deletion, "deletion");
    this.ledger = Objects.requireNonNull(ledger, "ledger");
    this.currency = Objects.requireNonNull(currency, "currency");
    this.audit = Objects.requireNonNull(audit, "audit");
  }

  /** Balance and allowance as reservations see them: Redis when loaded, else PostgreSQL. */
  Mono<ServerResponse> get(ServerRequest request) {
    return owners
        .byJwtOrKey(request)
        .flatMap(
            row ->
                Mono.zip(
                        holds.account(row.id()).map(Optional::of).defaultIfEmpty(Optional.empty()),
                        renewsAt(row))
                    .flatMap(
                        found ->
                            respond(200, view(row, found.getT1(), found.getT2().orElse(null)))));
  }

  /**
   * When the current allowance period ends: the next period start counted from the plan's anchor
   * (not the current start plus one period, which is early after a short month for anchors on the
   * 29th to 31st); empty without an allowance period.
   */
  private Mono<Optional<String>> renewsAt(AccountRow row) {
    String allowancePeriod = row.allowancePeriod();
    Instant started = row.periodStartedAt();
    if (allowancePeriod == null || started == null) {
      return Mono.just(Optional.empty());
    }
    Period period = AllowancePeriods.parse(allowancePeriod);
    return accounts
        .periodAnchor(row.id())
        .defaultIfEmpty(started)
        .map(
            anchor ->
                Optional.of(AllowancePeriods.containing(anchor, period, started).end().toString()));
  }

  /** The account's ledger, to its owner and to its API keys. */
  Mono<ServerResponse> ledger(ServerRequest request) {
    String cursor = request.queryParam("cursor").orElse(null);
    int limit = Queries.limit(request, LedgerQueries.MAX_PAGE);
    return owners
        .byJwtOrKey(request)
        .flatMap(
            row -> Queries.badRequestOnIllegalArgument(() -> ledger.page(row.id(), cursor, limit)))
        .flatMap(page -> respond(200, ledgerList(page)));
  }

  /**
   * Revokes every key first and has every instance forget the account's keys, so that nothing is
   * charged meanwhile; then deletes the account's data ({@link AccountDeletion}).
   */
  Mono<ServerResponse> delete(ServerRequest request) {
    return owners
        .byJwt(request)
        .zipWith(audit.owner(request))
        .flatMap(
            t -> {
              AccountRow row = t.getT1();
              return keys.revokeAllOf(row.id())
                  .then(revocations.accountChanged(row.id()))
                  .then(
                      deletion.delete(
                          row.id(),
                          t.getT2()
                              .entry(
                                  "account.delete",
                                  row.id(),
                                  Map.of("status", row.status().wireName()),
                                  Map.of("status", "deleted"))))
                  // Again: a lookup between the first eviction and the deletion may have
                  // cached the account as it was.
                  .then(revocations.accountChanged(row.id()))
                  .doOnSuccess(done -> log.info("Account {} deleted by its owner", row.id()));
            })
        .then(ServerResponse.noContent().build());
  }

  private ObjectNode view(
      AccountRow row, Optional<AccountState> cached, @Nullable String renewsAt) {
    ObjectNode out = object();
    out.put("id", row.id());
    out.put("object", "account");
    out.put("name", row.name());
    out.put("balance", decimal(cached.map(AccountState::balance).orElse(row.balanceNanos())));
    out.put(
        "allowance_left",
        decimal(cached.map(AccountState::subLeft).orElse(row.allowanceLeftNanos())));
    out.put("allowance", decimal(row.allowanceNanos()));
    out.put("allowance_period", row.allowancePeriod());
    out.put("allowance_renews_at", renewsAt);
    out.put("held", decimal(cached.map(AccountState::held).orElse(0L)));
    out.put("currency", currency);
    out.put("status", row.status().wireName());
    return out;
  }

  private static ObjectNode ledgerList(Page<LedgerRow> page) {
    ObjectNode out = object();
    out.put("object", "list");
    ArrayNode data = out.putArray("data");
    for (LedgerRow entry : page.items()) {
      ObjectNode e = data.addObject();
      e.put("id", entry.id());
      e.put("object", "ledger_entry");
      e.put("type", entry.type());
      e.put("category", entry.category());
      e.put("amount", decimal(entry.amountNanos()));
      e.put("reference", entry.reference());
      e.put("created_at", entry.createdAt().toString());
    }
    out.put("next_cursor", page.nextCursor());
    return out;
  }
}
