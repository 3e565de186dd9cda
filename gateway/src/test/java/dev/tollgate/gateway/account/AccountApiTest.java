package dev.tollgate.gateway.account;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Json;
import dev.tollgate.billing.ledger.AccountRepository;
import dev.tollgate.billing.ledger.AccountRow;
import dev.tollgate.billing.ledger.AccountStatus;
import dev.tollgate.gateway.billing.BillingTestSupport;
import dev.tollgate.gateway.support.TestServices;
import dev.tollgate.gateway.support.Tokens;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

/**
 * The account owner's API through HTTP with real signed JWTs, checked by Spring Boot's resource
 * server against a JWKS served by {@link Tokens}, with issuer and audience configured.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AccountApiTest {

  static final String DEMO = "acct-account-api-" + TestServices.REDIS_PREFIX;
  static final Tokens TOKENS = new Tokens();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    BillingTestSupport.billingProperties(registry, DEMO);
    registry.add("spring.security.oauth2.resourceserver.jwt.jwk-set-uri", TOKENS::jwksUri);
    registry.add("spring.security.oauth2.resourceserver.jwt.issuer-uri", () -> Tokens.ISSUER);
    registry.add("spring.security.oauth2.resourceserver.jwt.audiences", () -> Tokens.AUDIENCE);
  }

  @LocalServerPort int port;
  @Autowired AccountRepository accounts;

  WebTestClient client() {
    return WebTestClient.bindToServer()
        .baseUrl("http://127.0.0.1:" + port)
        .responseTimeout(Duration.ofSeconds(20))
        .build();
  }

  /** A new account owned by a new subject; answers the subject. */
  String newOwner() {
    String subject = "user-" + UUID.randomUUID();
    AccountRow row =
        new AccountRow(
            AccountRepository.newId(),
            "Owner " + subject,
            subject,
            0,
            0,
            0,
            null,
            0,
            AccountStatus.ACTIVE);
    assertThat(accounts.ensure(row).block(Duration.ofSeconds(10))).isTrue();
    return subject;
  }

  String accountOf(String subject) {
    return get("/v1/account", TOKENS.valid(subject), 200).path("id").asString();
  }

  JsonNode get(String uri, String bearer, int status) {
    return json(
        client()
            .get()
            .uri(uri)
            .header("Authorization", "Bearer " + bearer)
            .exchange()
            .expectStatus()
            .isEqualTo(status)
            .expectBody(String.class)
            .returnResult());
  }

  JsonNode post(String uri, String bearer, String body, int status) {
    return json(
        client()
            .post()
            .uri(uri)
            .header("Authorization", "Bearer " + bearer)
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(body)
            .exchange()
            .expectStatus()
            .isEqualTo(status)
            .expectBody(String.class)
            .returnResult());
  }

  void delete(String uri, String bearer, int status) {
    client()
        .delete()
        .uri(uri)
        .header("Authorization", "Bearer " + bearer)
        .exchange()
        .expectStatus()
        .isEqualTo(status);
  }

  static JsonNode json(EntityExchangeResult<String> result) {
    String body = result.getResponseBody();
    return body == null ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(body);
  }

  static void assertOpenAiError(JsonNode body, @Nullable String code) {
    assertThat(body.path("error").path("type").isString()).as(body.toString()).isTrue();
    assertThat(body.path("error").path("message").isString()).as(body.toString()).isTrue();
    JsonNode actual = body.path("error").path("code");
    if (code == null) {
      assertThat(actual.isNull()).as(body.toString()).isTrue();
    } else {
      assertThat(actual.asString()).as(body.toString()).isEqualTo(code);
    }
  }

  // --- authentication ---

  @Test
  void badTokensAre401InTheOpenAiShape() {
    String subject = newOwner();
    for (String token :
        List.of(
            TOKENS.expired(subject),
            TOKENS.forged(subject),
            TOKENS.wrongIssuer(subject),
            TOKENS.wrongAudience(subject),
            "not-a-jwt")) {
      for (String uri : List.of("/v1/account", "/v1/keys", "/v1/usage", "/v1/ledger")) {
        EntityExchangeResult<String> result =
            client()
                .get()
                .uri(uri)
                .header("Authorization", "Bearer " + token)
                .exchange()
                .expectStatus()
                .isUnauthorized()
                .expectHeader()
                .contentType(MediaType.APPLICATION_JSON)
                .expectBody(String.class)
                .returnResult();
        assertOpenAiError(json(result), "invalid_token");
        assertThat(result.getResponseHeaders().getFirst("WWW-Authenticate")).startsWith("Bearer");
      }
    }
    // The valid token of the same subject works.
    get("/v1/account", TOKENS.valid(subject), 200);
  }

  @Test
  void aTokenWhoseSubjectOwnsNoAccountIs404() {
    String nobody = "user-" + UUID.randomUUID();
    for (String uri : List.of("/v1/account", "/v1/keys", "/v1/usage", "/v1/ledger")) {
      assertOpenAiError(get(uri, TOKENS.valid(nobody), 404), "not_found");
    }
  }

  @Test
  void anApiKeyReadsItsAccountsUsageAndLedgerButChangesNothing() {
    String subject = newOwner();
    String jwt = TOKENS.valid(subject);
    String id = accountOf(subject);
    JsonNode created = post("/v1/keys", jwt, "{\"name\":\"reader\"}", 201);
    String key = created.path("key").asString();
    post("/v1/keys", jwt, "{\"name\":\"sibling\"}", 201);
    insertUsage(id, 3, Instant.parse("2026-06-01T00:00:00Z"));
    accounts.credit(id, "api-key-reads:" + id, "credit", 1_000_000_000L, "topup").block();

    JsonNode byKey = get("/v1/account", key, 200);
    assertThat(byKey.path("id").asString()).isEqualTo(id);
    // The dev key's account is the demo account.
    assertThat(get("/v1/account", BillingTestSupport.KEY, 200).path("id").asString())
        .isEqualTo(DEMO);

    assertThat(get("/v1/usage", key, 200).path("data")).hasSize(3);
    assertThat(get("/v1/ledger", key, 200).path("data").get(0).path("reference").asString())
        .isEqualTo("api-key-reads:" + id);
    String csv =
        client()
            .get()
            .uri("/v1/usage/export?format=csv")
            .header("Authorization", "Bearer " + key)
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(String.class)
            .returnResult()
            .getResponseBody();
    assertThat(csv.split("\r\n")).hasSize(4);
    // A key sees itself among the keys, not its siblings.
    JsonNode keys = get("/v1/keys", key, 200).path("data");
    assertThat(keys).hasSize(1);
    assertThat(keys.get(0).path("id").asString()).isEqualTo(created.path("id").asString());
    assertThat(get("/v1/keys", jwt, 200).path("data")).hasSize(2);

    // Changes need the owner's login: 403, and nothing changed.
    JsonNode refused = post("/v1/keys", key, "{}", 403);
    assertOpenAiError(refused, "owner_login_required");
    assertThat(refused.path("error").path("message").asString()).contains("owner's login");
    assertOpenAiError(
        json(
            client()
                .delete()
                .uri("/v1/keys/" + created.path("id").asString())
                .header("Authorization", "Bearer " + key)
                .exchange()
                .expectStatus()
                .isForbidden()
                .expectBody(String.class)
                .returnResult()),
        "owner_login_required");
    assertOpenAiError(
        json(
            client()
                .delete()
                .uri("/v1/account")
                .header("Authorization", "Bearer " + key)
                .exchange()
                .expectStatus()
                .isForbidden()
                .expectBody(String.class)
                .returnResult()),
        "owner_login_required");
    assertThat(get("/v1/keys", jwt, 200).path("data")).hasSize(2);
    assertThat(get("/v1/account", jwt, 200).path("status").asString()).isEqualTo("active");
    models(key, 200);
    // Without any credentials: the data plane's answer, as before.
    client().get().uri("/v1/account").exchange().expectStatus().isUnauthorized();
  }

  // --- the account ---

  @Test
  void theAccountShowsBalanceAllowanceAndCurrency() {
    String subject = newOwner();
    String id = accountOf(subject);
    accounts.credit(id, "account-api:" + id, "credit", 2_500_000_000L, "topup").block();

    JsonNode account = get("/v1/account", TOKENS.valid(subject), 200);
    assertThat(account.path("id").asString()).isEqualTo(id);
    assertThat(account.path("name").asString()).isEqualTo("Owner " + subject);
    assertThat(account.path("balance").decimalValue()).isEqualByComparingTo("2.5");
    assertThat(account.path("allowance_left").decimalValue()).isEqualByComparingTo("0");
    assertThat(account.path("currency").asString()).isEqualTo("USD");
    assertThat(account.path("status").asString()).isEqualTo("active");
    assertThat(account.path("held").decimalValue()).isEqualByComparingTo("0");
    assertThat(account.path("allowance_renews_at").isNull()).isTrue();
  }

  @Test
  void theAccountShowsItsAllowanceAndWhenItRenews() {
    String subject = "user-" + UUID.randomUUID();
    String id = AccountRepository.newId();
    accounts
        .ensure(
            new AccountRow(
                id,
                "Plan",
                subject,
                0,
                20_000_000_000L,
                20_000_000_000L,
                "P30D",
                0,
                AccountStatus.ACTIVE))
        .block(Duration.ofSeconds(10));
    String started =
        BillingTestSupport.queryString(
            "SELECT to_char(period_started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
                + " FROM accounts WHERE id = ?",
            id);
    JsonNode account = get("/v1/account", TOKENS.valid(subject), 200);
    assertThat(account.path("allowance").decimalValue()).isEqualByComparingTo("20");
    assertThat(account.path("allowance_period").asString()).isEqualTo("P30D");
    assertThat(Instant.parse(account.path("allowance_renews_at").asString()))
        .isEqualTo(Instant.parse(started + "Z").plus(Duration.ofDays(30)));
  }

  /**
   * Regression: the renewal date was the current period's start plus one period, so a monthly plan
   * anchored on 31 January showed 28 March in its February period, while it renews on 31 March.
   */
  @Test
  void aMonthlyPlanAnchoredOnTheLastDayOfAMonthRenewsOnItsAnchorDay() {
    String subject = "user-" + UUID.randomUUID();
    String id = AccountRepository.newId();
    accounts
        .ensure(
            new AccountRow(
                id,
                "Month end",
                subject,
                0,
                20_000_000_000L,
                20_000_000_000L,
                "P1M",
                0,
                AccountStatus.ACTIVE))
        .block(Duration.ofSeconds(10));
    // The plan started on 31 January; its current period is the second one, from 28 February.
    long updated =
        BillingTestSupport.queryLong(
            "WITH u AS (UPDATE accounts SET period_anchor_at = '2026-01-31T00:00:00Z',"
                + " period_started_at = '2026-02-28T00:00:00Z',"
                + " period_ends_at = '2026-03-31T00:00:00Z' WHERE id = ? RETURNING 1)"
                + " SELECT count(*) FROM u",
            id);
    assertThat(updated).isOne();

    JsonNode account = get("/v1/account", TOKENS.valid(subject), 200);

    assertThat(account.path("allowance_renews_at").asString()).isEqualTo("2026-03-31T00:00:00Z");
  }

  // --- keys ---

  @Test
  void keysAreCreatedListedWithoutTheSecretAndRevokedByTheirOwnerOnly() {
    String owner = newOwner();
    String other = newOwner();
    String jwt = TOKENS.valid(owner);

    JsonNode created =
        post(
            "/v1/keys",
            jwt,
            "{\"name\":\"ci\",\"limits\":{\"rpm\":60,\"models\":[\"paid\"],\"spend_cap\":\"5\"}}",
            201);
    String key = created.path("key").asString();
    String keyId = created.path("id").asString();
    assertThat(key).startsWith("sk-gw-");
    assertThat(created.path("name").asString()).isEqualTo("ci");
    assertThat(created.path("limits").path("rpm").asInt()).isEqualTo(60);
    assertThat(created.path("limits").path("spend_cap").decimalValue()).isEqualByComparingTo("5");
    assertOpenAiError(post("/v1/keys", jwt, "{\"limits\":{\"rpm\":0}}", 400), null);

    JsonNode list = get("/v1/keys", jwt, 200);
    assertThat(list.path("object").asString()).isEqualTo("list");
    assertThat(list.path("data")).hasSize(1);
    JsonNode listed = list.path("data").get(0);
    assertThat(listed.path("id").asString()).isEqualTo(keyId);
    assertThat(listed.has("key")).isFalse();
    assertThat(list.toString()).doesNotContain(key.substring(12));
    assertThat(listed.path("prefix").asString()).isEqualTo(key.substring(0, 12));
    assertThat(get("/v1/keys", TOKENS.valid(other), 200).path("data")).isEmpty();

    // The key works on the data plane.
    models(key, 200);

    // Another owner cannot see or revoke it: as unknown as a key that never was.
    delete("/v1/keys/" + keyId, TOKENS.valid(other), 404);
    delete("/v1/keys/key_nope", jwt, 404);
    models(key, 200);

    delete("/v1/keys/" + keyId, jwt, 204);
    models(key, 401);
    // Both writes are in the audit trail, by the owner's subject, without the secret.
    assertThat(
            BillingTestSupport.queryString(
                "SELECT string_agg(action || ' by ' || actor, ', ' ORDER BY id) FROM audit_log"
                    + " WHERE target = ?",
                keyId))
        .isEqualTo("key.create by owner:" + owner + ", key.revoke by owner:" + owner);
    assertThat(
            BillingTestSupport.queryString(
                "SELECT after::text FROM audit_log WHERE target = ? AND action = 'key.create'",
                keyId))
        .doesNotContain(key.substring(12));
    assertThat(get("/v1/keys", jwt, 200).path("data").get(0).path("status").asString())
        .isEqualTo("revoked");
  }

  // --- usage ---

  @Test
  void usageIsPagedNewestFirstAndFiltered() {
    String subject = newOwner();
    String id = accountOf(subject);
    Instant start = Instant.parse("2026-03-01T00:00:00Z");
    insertUsage(id, 250, start);
    String jwt = TOKENS.valid(subject);

    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonNode page =
          get("/v1/usage?limit=100" + (cursor == null ? "" : "&cursor=" + cursor), jwt, 200);
      assertThat(page.path("object").asString()).isEqualTo("list");
      page.path("data").forEach(row -> seen.add(row.path("request_id").asString()));
      cursor = page.path("next_cursor").isNull() ? null : page.path("next_cursor").asString();
      pages++;
    } while (cursor != null);
    assertThat(pages).isEqualTo(3);
    assertThat(seen).hasSize(250).doesNotHaveDuplicates();
    assertThat(seen.get(0)).isEqualTo(requestId(id, 249));
    assertThat(seen.get(249)).isEqualTo(requestId(id, 0));

    JsonNode first = get("/v1/usage?limit=1", jwt, 200).path("data").get(0);
    assertThat(first.path("cost").decimalValue()).isEqualByComparingTo("0.000249");
    assertThat(first.path("prompt_tokens").asLong()).isEqualTo(8);

    // Half-open range [from, to), and the model filter (odd rows are "other").
    JsonNode ranged =
        get(
            "/v1/usage?limit=1000&from="
                + start.plusSeconds(100)
                + "&to="
                + start.plusSeconds(200)
                + "&model=paid",
            jwt,
            200);
    assertThat(ranged.path("data")).hasSize(50);
    assertThat(ranged.path("next_cursor").isNull()).isTrue();

    assertOpenAiError(get("/v1/usage?limit=0", jwt, 400), null);
    assertOpenAiError(get("/v1/usage?from=yesterday", jwt, 400), null);
    assertOpenAiError(get("/v1/usage?cursor=garbage", jwt, 400), null);
    assertOpenAiError(
        get("/v1/usage?from=" + start.plusSeconds(5) + "&to=" + start, jwt, 400), null);
  }

  @Test
  void usageIsExportedAsCsvAndAsJson() {
    String subject = newOwner();
    String id = accountOf(subject);
    insertUsage(id, 300, Instant.parse("2026-04-01T00:00:00Z"));
    String jwt = TOKENS.valid(subject);

    EntityExchangeResult<String> csv =
        client()
            .get()
            .uri("/v1/usage/export?format=csv")
            .header("Authorization", "Bearer " + jwt)
            .exchange()
            .expectStatus()
            .isOk()
            .expectHeader()
            .contentTypeCompatibleWith("text/csv")
            .expectBody(String.class)
            .returnResult();
    String[] lines = csv.getResponseBody().split("\r\n");
    assertThat(lines).hasSize(301);
    assertThat(lines[0]).isEqualTo(UsageCsv.HEADER.strip());
    assertThat(lines[1])
        .startsWith(requestId(id, 299) + ",key_x,other,local,completed,reported,8,10,0,0,")
        .contains(",0.000299,0.000299,0,0.000299,2026-04-01T00:04:59Z,")
        .doesNotContain("E-");
    Set<String> ids = new HashSet<>();
    for (int i = 1; i < lines.length; i++) {
      ids.add(lines[i].substring(0, lines[i].indexOf(',')));
    }
    assertThat(ids).hasSize(300);

    EntityExchangeResult<String> json =
        client()
            .get()
            .uri("/v1/usage/export?format=json&from=2026-04-01T00:01:00Z")
            .header("Authorization", "Bearer " + jwt)
            .exchange()
            .expectStatus()
            .isOk()
            .expectHeader()
            .contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
            .expectBody(String.class)
            .returnResult();
    JsonNode array = Json.MAPPER.readTree(json.getResponseBody());
    assertThat(array.isArray()).isTrue();
    assertThat(array).hasSize(240);
    assertThat(array.get(0).path("request_id").asString()).isEqualTo(requestId(id, 299));
    assertThat(json.getResponseBody()).contains("\"cost\":0.000299").doesNotContain("E-");

    // An empty export is a valid document too.
    String other = newOwner();
    String empty =
        client()
            .get()
            .uri("/v1/usage/export?format=json")
            .header("Authorization", "Bearer " + TOKENS.valid(other))
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(String.class)
            .returnResult()
            .getResponseBody();
    assertThat(empty).isEqualTo("[]");
    assertOpenAiError(get("/v1/usage/export?format=xml", jwt, 400), null);
  }

  // --- ledger ---

  @Test
  void theLedgerIsPagedNewestFirst() {
    String subject = newOwner();
    String id = accountOf(subject);
    for (int i = 1; i <= 3; i++) {
      accounts.credit(id, "ledger-" + id + "-" + i, "credit", i * 1_000_000_000L, "topup").block();
    }
    String jwt = TOKENS.valid(subject);
    JsonNode first = get("/v1/ledger?limit=2", jwt, 200);
    assertThat(first.path("data")).hasSize(2);
    assertThat(first.path("data").get(0).path("amount").decimalValue()).isEqualByComparingTo("3");
    assertThat(first.path("data").get(0).path("type").asString()).isEqualTo("credit");
    JsonNode second =
        get("/v1/ledger?limit=2&cursor=" + first.path("next_cursor").asString(), jwt, 200);
    assertThat(second.path("data")).hasSize(1);
    assertThat(second.path("data").get(0).path("reference").asString())
        .isEqualTo("ledger-" + id + "-1");
    assertThat(second.path("next_cursor").isNull()).isTrue();
  }

  // --- deletion ---

  @Test
  void deletingTheAccountStopsItsKeysAtOnce() {
    String subject = newOwner();
    String id = accountOf(subject);
    String jwt = TOKENS.valid(subject);
    String first = post("/v1/keys", jwt, "{\"name\":\"a\"}", 201).path("key").asString();
    String second = post("/v1/keys", jwt, "{\"name\":\"b\"}", 201).path("key").asString();
    insertUsage(id, 3, Instant.parse("2026-05-01T00:00:00Z"));
    models(first, 200); // cached on this instance now
    models(second, 200);

    delete("/v1/account", jwt, 204);

    models(first, 401);
    models(second, 401);
    get("/v1/account", first, 401);
    assertOpenAiError(get("/v1/account", jwt, 404), "not_found");
    assertThat(BillingTestSupport.queryString("SELECT status FROM accounts WHERE id = ?", id))
        .isEqualTo("deleted");
    assertThat(
            BillingTestSupport.queryLong("SELECT count(*) FROM api_keys WHERE account_id = ?", id))
        .isZero();
    assertThat(
            BillingTestSupport.queryLong(
                "SELECT count(*) FROM usage_events WHERE account_id = ?", id))
        .isZero();
    assertThat(
            BillingTestSupport.queryString(
                "SELECT actor FROM audit_log WHERE target = ? AND action = 'account.delete'", id))
        .isEqualTo("owner:" + subject);
  }

  // --- the rest is as it was ---

  @Test
  void theDataPlaneGetsNoSecurityHeaders() {
    client()
        .get()
        .uri("/v1/models")
        .header("Authorization", "Bearer " + BillingTestSupport.KEY)
        .exchange()
        .expectStatus()
        .isOk()
        .expectHeader()
        .doesNotExist("X-Frame-Options")
        .expectHeader()
        .doesNotExist("X-Content-Type-Options")
        .expectHeader()
        .doesNotExist("Set-Cookie");
    // A JWT is no API key on the data plane.
    client()
        .get()
        .uri("/v1/models")
        .header("Authorization", "Bearer " + TOKENS.valid(newOwner()))
        .exchange()
        .expectStatus()
        .isUnauthorized();
  }

  @Test
  void requestsSpringSecuritysFirewallRefusesAre400InTheOpenAiShape() {
    EntityExchangeResult<String> result =
        client()
            .get()
            .uri(URI.create("http://127.0.0.1:" + port + "/v1/keys%2Fkey_x"))
            .header("Authorization", "Bearer " + BillingTestSupport.KEY)
            .exchange()
            .expectStatus()
            .isBadRequest()
            .expectBody(String.class)
            .returnResult();
    // Refused before the firewall, by CanonicalPathFilter.
    assertOpenAiError(json(result), "invalid_path");
  }

  void models(String key, int status) {
    client()
        .get()
        .uri("/v1/models")
        .header("Authorization", "Bearer " + key)
        .exchange()
        .expectStatus()
        .isEqualTo(status);
  }

  static String requestId(String account, int i) {
    return account + "-req-" + String.format("%04d", i);
  }

  /**
   * {@code count} usage events one second apart from {@code start}; event {@code i} costs {@code i}
   * micro-units, and even ones are of model {@code paid}, odd ones of {@code other}.
   */
  static void insertUsage(String account, int count, Instant start) {
    String sql =
        "INSERT INTO usage_events (request_id, account_id, key_id, model, provider, status,"
            + " source, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens,"
            + " cost_nanos, charged_nanos, from_allowance_nanos, from_balance_nanos,"
            + " uncollected_nanos, price_version, markup_ppm, discount_ppm, started_at, ttft_ms,"
            + " duration_ms, settled_at)"
            + " SELECT ? || '-req-' || lpad(i::text, 4, '0'), ?, 'key_x',"
            + " CASE WHEN i % 2 = 0 THEN 'paid' ELSE 'other' END, 'local', 'completed',"
            + " 'reported', 8, 10, 0, 0, i * 1000, i * 1000, 0, i * 1000, 0, 'v1', 0, 0,"
            + " ?::timestamptz + i * interval '1 second', 20, 100, now()"
            + " FROM generate_series(0, ? - 1) AS i";
    try (Connection c = DriverManager.getConnection(TestServices.jdbcUrl(), "postgres", "");
        PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, account);
      s.setString(2, account);
      s.setString(3, start.toString());
      s.setInt(4, count);
      s.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }
}
