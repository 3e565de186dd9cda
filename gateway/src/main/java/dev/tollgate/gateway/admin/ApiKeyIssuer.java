package dev.tollgate.gateway.admin;

import static dev.tollgate.gateway.admin.AdminJson.amount;
import static dev.tollgate.gateway.admin.AdminJson.decimal;
import static dev.tollgate.gateway.admin.AdminJson.object;
import static dev.tollgate.gateway.admin.AdminJson.optionalPositiveInt;
import static dev.tollgate.gateway.admin.AdminJson.optionalText;

import dev.tollgate.billing.accounts.AccountChanges;
import dev.tollgate.billing.accounts.ApiKeyRepository;
import dev.tollgate.billing.accounts.ApiKeyRow;
import dev.tollgate.billing.accounts.ApiKeys;
import dev.tollgate.billing.accounts.AuditEntry;
import dev.tollgate.billing.accounts.BudgetPeriod;
import dev.tollgate.billing.accounts.KeyLimits;
import dev.tollgate.gateway.auth.KeyRevocations;
import dev.tollgate.gateway.error.GatewayException;
import dev.tollgate.gateway.json.JsonBodies;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Creating and revoking API keys, shared by the admin API and the account owner's API so that both
 * read the same request fields and answer the same shape. The secret appears in the answer to its
 * creation only.
 */
public final class ApiKeyIssuer {

  private static final Instant LATEST_EXPIRY = Instant.parse("+10000-01-01T00:00:00Z");

  private final ApiKeyRepository keys;
  private final KeyRevocations revocations;
  private final AuditTrail audit;

  public ApiKeyIssuer(ApiKeyRepository keys, KeyRevocations revocations, AuditTrail audit) {
    this.keys = Objects.requireNonNull(keys, "keys");
    this.revocations = Objects.requireNonNull(revocations, "revocations");
    this.audit = Objects.requireNonNull(audit, "audit");
  }

  /**
   * Creates a key for the account from a request body {@code {"name"?, "limits"?}}.
   *
   * @return the key as {@link #view} shows it plus {@code "key"}, the secret; fails with a 404 when
   *     the account does not exist or is deleted, with a 400 on a bad field
   */
  public Mono<ObjectNode> create(String accountId, JsonNode body, AuditEntry.Context by) {
    Objects.requireNonNull(accountId, "accountId");
    Objects.requireNonNull(by, "by");
    if (!AccountsAdminHandler.isAccountId(accountId)) {
      return Mono.error(AccountsAdminHandler.unknownAccount(accountId));
    }
    String name = optionalText(body, "name");
    KeyLimits limits = limits(body.get("limits"));
    // SecureRandom may read /dev/urandom: off the event loop.
    return Mono.fromCallable(ApiKeys::generate)
        .subscribeOn(Schedulers.boundedElastic())
        .flatMap(
            key ->
                keys.create(accountId, name, limits, key)
                    .onErrorMap(
                        IllegalArgumentException.class,
                        e -> AccountsAdminHandler.unknownAccount(accountId))
                    .flatMap(
                        row ->
                            audit
                                .record(
                                    by.entry("key.create", row.id(), Map.of(), auditFields(row)))
                                .thenReturn(row))
                    .map(
                        row -> {
                          ObjectNode out = view(row);
                          out.put("key", key.secret());
                          return out;
                        }));
  }

  /**
   * Revokes a key and tells every instance to forget it at once.
   *
   * @return fails with a 404 when there is no such key
   */
  public Mono<Void> revoke(String keyId, AuditEntry.Context by) {
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(by, "by");
    if (!JsonBodies.isStorable(keyId, JsonBodies.MAX_TEXT_LENGTH)) {
      return Mono.error(GatewayException.notFound("No key with that id."));
    }
    return keys.revokeReturningHash(keyId)
        .switchIfEmpty(Mono.error(() -> GatewayException.notFound("No key '" + keyId + "'.")))
        .flatMap(revocations::revoked)
        .then(audit.record(by.entry("key.revoke", keyId, Map.of(), Map.of("status", "revoked"))));
  }

  /** What the trail records of a new key: its account, name and limits, never the secret. */
  static Map<String, @Nullable Object> auditFields(ApiKeyRow row) {
    KeyLimits limits = row.limits();
    Map<String, @Nullable Object> out = new LinkedHashMap<>();
    out.put("account_id", row.accountId());
    out.put("prefix", row.prefix());
    out.put("name", row.name());
    out.put("spend_cap_nanos", limits.spendCapNanos());
    out.put("rpm", limits.rpm());
    out.put("tpm", limits.tpm());
    out.put("max_concurrent", limits.maxConcurrent());
    out.put("models", limits.allowedModels());
    out.put("expires_at", limits.expiresAt());
    if (limits.budget() != null) {
      out.put("budget_nanos", limits.budget().amountNanos());
      out.put("budget_period", limits.budget().period().wireName());
    }
    return out;
  }

  /** A key as its owner may see it: never the secret or its hash, only the visible prefix. */
  public static ObjectNode view(ApiKeyRow row) {
    ObjectNode out = object();
    out.put("id", row.id());
    out.put("object", "api_key");
    out.put("prefix", row.prefix());
    out.put("name", row.name());
    out.put("account_id", row.accountId());
    out.put("status", row.status().wireName());
    out.put("created_at", row.createdAt().toString());
    KeyLimits limits = row.limits();
    ObjectNode l = out.putObject("limits");
    l.put("rpm", limits.rpm());
    l.put("tpm", limits.tpm());
    l.put("max_concurrent", limits.maxConcurrent());
    l.put("spend_cap", limits.spendCapNanos() == null ? null : decimal(limits.spendCapNanos()));
    ArrayNode models = l.putArray("models");
    limits.allowedModels().forEach(models::add);
    l.put("expires_at", limits.expiresAt() == null ? null : limits.expiresAt().toString());
    KeyLimits.Budget budget = limits.budget();
    if (budget == null) {
      l.putNull("budget");
    } else {
      ObjectNode b = l.putObject("budget");
      b.put("amount", decimal(budget.amountNanos()));
      b.put("period", budget.period().wireName());
    }
    return out;
  }

  /**
   * A key's expiry: an instant after {@code now} (a key that is expired when made is a mistake, not
   * a key) and before the year 10000 (PostgreSQL's timestamps end in the year 294276, and no key
   * needs more).
   */
  static Instant expiresAt(String text, Instant now) {
    Instant at;
    try {
      at = Instant.parse(text);
    } catch (DateTimeParseException e) {
      at = null;
    }
    if (at == null || !at.isBefore(LATEST_EXPIRY)) {
      throw GatewayException.badRequest(
          "limits.expires_at",
          "limits.expires_at: '"
              + text
              + "' (expected: an instant like 2026-12-31T00:00:00Z, before the year 10000)");
    }
    if (!at.isAfter(now)) {
      throw GatewayException.badRequest(
          "limits.expires_at",
          "limits.expires_at: '" + text + "' is past (expected: an instant after " + now + ")");
    }
    return at;
  }

  private static List<String> models(@Nullable JsonNode modelsNode) {
    List<String> models = new ArrayList<>();
    if (modelsNode != null && !modelsNode.isNull()) {
      if (!modelsNode.isArray()) {
        throw GatewayException.badRequest(
            "limits.models", "limits.models: expected an array of model names");
      }
      for (JsonNode model : modelsNode) {
        if (!model.isString() || model.asString().isBlank()) {
          throw GatewayException.badRequest(
              "limits.models", "limits.models: " + model + " (expected: a model name)");
        }
        models.add(AdminJson.text(model, "limits.models"));
      }
    }
    return models;
  }

  /**
   * A change to a key from a request body {@code {"name"?, "limits"?: {...}}}: each field given
   * replaces the stored one ({@code null} lifts a limit, or clears the name), each field left out
   * stays. Every field is read here, before anything is written: a bad one is a 400.
   */
  static Function<ApiKeyRow, AccountChanges.KeyEdit> edit(JsonNode body) {
    if (!body.isObject()) {
      throw GatewayException.badRequest(null, "Expected a JSON object.");
    }
    for (String field : body.propertyNames()) {
      if (!field.equals("name") && !field.equals("limits")) {
        throw GatewayException.badRequest(
            field, field + ": unknown field (expected: name or limits)");
      }
    }
    boolean hasName = body.has("name");
    String name = optionalText(body, "name");
    JsonNode node = body.get("limits");
    if (node == null || node.isNull()) {
      node = object();
    } else if (!node.isObject()) {
      throw GatewayException.badRequest("limits", "limits: " + node + " (expected: an object)");
    }
    for (String field : node.propertyNames()) {
      if (!LIMIT_FIELDS.contains(field)) {
        throw GatewayException.badRequest(
            "limits." + field,
            "limits." + field + ": unknown limit (expected: one of " + LIMIT_FIELDS + ")");
      }
    }
    JsonNode limits = node;
    JsonNode spendCapNode = limits.get("spend_cap");
    Long spendCap =
        spendCapNode == null || spendCapNode.isNull()
            ? null
            : amount(spendCapNode, "limits.spend_cap");
    Integer rpm = optionalPositiveInt(limits, "rpm");
    Integer tpm = optionalPositiveInt(limits, "tpm");
    Integer maxConcurrent = optionalPositiveInt(limits, "max_concurrent");
    List<String> models = models(limits.get("models"));
    KeyLimits.Budget budget = budget(limits.get("budget"));
    String expires = optionalText(limits, "expires_at");
    Instant expiresAt = expires == null ? null : expiresAt(expires, Instant.now());
    return old -> {
      KeyLimits was = old.limits();
      return new AccountChanges.KeyEdit(
          hasName ? name : old.name(),
          new KeyLimits(
              limits.has("spend_cap") ? spendCap : was.spendCapNanos(),
              limits.has("rpm") ? rpm : was.rpm(),
              limits.has("tpm") ? tpm : was.tpm(),
              limits.has("max_concurrent") ? maxConcurrent : was.maxConcurrent(),
              limits.has("models") ? models : was.allowedModels(),
              limits.has("expires_at") ? expiresAt : was.expiresAt(),
              limits.has("budget") ? budget : was.budget()));
    };
  }

  private static final List<String> LIMIT_FIELDS =
      List.of("spend_cap", "rpm", "tpm", "max_concurrent", "models", "expires_at", "budget");

  static KeyLimits limits(@Nullable JsonNode node) {
    if (node == null || node.isNull()) {
      return KeyLimits.NONE;
    }
    if (!node.isObject()) {
      throw GatewayException.badRequest("limits", "limits: " + node + " (expected: an object)");
    }
    JsonNode spendCap = node.get("spend_cap");
    List<String> models = models(node.get("models"));
    String expires = optionalText(node, "expires_at");
    Instant expiresAt = expires == null ? null : expiresAt(expires, Instant.now());
    return new KeyLimits(
        spendCap == null || spendCap.isNull() ? null : amount(spendCap, "limits.spend_cap"),
        optionalPositiveInt(node, "rpm"),
        optionalPositiveInt(node, "tpm"),
        optionalPositiveInt(node, "max_concurrent"),
        models,
        expiresAt,
        budget(node.get("budget")));
  }

  /** {@code {"amount": "5.00", "period": "day"|"month"}}, or null for none. */
  static KeyLimits.@Nullable Budget budget(@Nullable JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      throw GatewayException.badRequest(
          "limits.budget",
          "limits.budget: "
              + node
              + " (expected: an object such as {\"amount\": \"5.00\", \"period\": \"day\"})");
    }
    for (String field : node.propertyNames()) {
      if (!field.equals("amount") && !field.equals("period")) {
        throw GatewayException.badRequest(
            "limits.budget." + field,
            "limits.budget." + field + ": unknown field (expected: amount or period)");
      }
    }
    JsonNode amount = node.get("amount");
    if (amount == null || amount.isNull()) {
      throw GatewayException.badRequest(
          "limits.budget.amount",
          "limits.budget.amount: missing (expected: a decimal such as \"5.00\")");
    }
    long nanos = amount(amount, "limits.budget.amount");
    String period = optionalText(node, "period");
    try {
      return new KeyLimits.Budget(nanos, BudgetPeriod.of(period == null ? "" : period));
    } catch (IllegalArgumentException e) {
      throw GatewayException.badRequest(
          "limits.budget.period",
          "limits.budget.period: '"
              + (period == null ? "" : period)
              + "' (expected: day or month)");
    }
  }
}
