package dev.tollgate.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Json;
import dev.tollgate.billing.redis.AccountState;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.gateway.billing.BillingTestSupport;
import dev.tollgate.gateway.payments.WebhookSignature;
import dev.tollgate.gateway.support.FakeUpstream;
import dev.tollgate.gateway.support.TestServices;
import dev.tollgate.gateway.support.Tokens;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import tools.jackson.databind.JsonNode;

/**
 * Every bad input found by the outside probe of issue 9, one row each, against a running gateway
 * (real HTTP on loopback, the local Redis and PostgreSQL, a fake upstream): each is refused with
 * the expected status and error, and after each the account's balance and held amount (Redis and
 * PostgreSQL), its ledger, usage and keys did not move and the upstream was not called.
 *
 * <p>To add a case, add a {@link Row} to {@link #rows()}. Placeholders in paths and bodies: {@code
 * {account}} (the account every row acts on), {@code {tx}} (a new payment transaction id per row).
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "gateway.admin.master-key=" + BadInputSuiteTest.MASTER_KEY,
      "gateway.billing.currency=USD",
      "gateway.payments.webhook-secret=" + BadInputSuiteTest.WEBHOOK_SECRET,
      "gateway.payments.reconcile-interval=1h",
      "gateway.providers.fake.type=openai",
      "gateway.providers.fake.api-key=upstream-secret",
      "gateway.models[2].id=fake-paid",
      "gateway.models[2].provider=fake",
      "gateway.models[2].price.input=1.00",
      "gateway.models[2].price.output=2.00",
      // tests here must never reach the upstream; if one does, its circuit must not hide the next
      "gateway.routing.circuit-breaker.failure-threshold=1000000"
    })
class BadInputSuiteTest {

  static final String MASTER_KEY = "admin-master-key-bad-input-0123456789";
  static final String WEBHOOK_SECRET = "whsec-bad-input-0123456789abcdef";
  static final String ACCOUNT = "acct-bad-input-" + TestServices.REDIS_PREFIX;
  static final String OWNER = "owner-bad-input-" + TestServices.REDIS_PREFIX;

  /** A JPY notice's transaction id: two rows send it, the second a retry of the first. */
  static final String JPY_TX = "tx_jpy_" + UUID.randomUUID();

  static final FakeUpstream UPSTREAM = new FakeUpstream();
  static final Tokens TOKENS = new Tokens();

  static final String MAX_LONG = Long.toString(Long.MAX_VALUE);
  static final String TWO_TO_63 = "9223372036854775808";
  static final String HUGE = "123456789012345678901234567890";

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    BillingTestSupport.billingProperties(registry, ACCOUNT);
    registry.add("gateway.providers.fake.base-url", UPSTREAM::baseUrl);
    registry.add("spring.security.oauth2.resourceserver.jwt.jwk-set-uri", TOKENS::jwksUri);
    registry.add("spring.security.oauth2.resourceserver.jwt.issuer-uri", () -> Tokens.ISSUER);
    registry.add("spring.security.oauth2.resourceserver.jwt.audiences", () -> Tokens.AUDIENCE);
  }

  @AfterAll
  static void stopUpstream() {
    UPSTREAM.close();
  }

  /** Who a row's request is from. */
  enum Caller {
    /** The dev API key, which pays from {@link #ACCOUNT}. */
    API_KEY,
    /** The admin master key. */
    ADMIN,
    /** A signed JWT of {@link #OWNER}, who owns {@link #ACCOUNT}. */
    OWNER,
    /** The payment provider: the body signed with the webhook secret. */
    PAYMENTS
  }

  /**
   * One bad input and its expected refusal.
   *
   * @param code the OpenAI error's {@code code}; null when it has none
   * @param param the OpenAI error's {@code param}; null when it has none (Anthropic errors on
   *     {@code /v1/messages} have neither, and are checked for their own shape)
   */
  record Row(
      String what,
      Caller caller,
      String method,
      String path,
      String body,
      int status,
      @Nullable String code,
      @Nullable String param) {

    @Override
    public String toString() {
      return what;
    }
  }

  static Row row(
      String what,
      Caller caller,
      String method,
      String path,
      String body,
      int status,
      @Nullable String code,
      @Nullable String param) {
    return new Row(what, caller, method, path, body, status, code, param);
  }

  static String chat(String extra) {
    return "{\"model\":\"fake-paid\","
        + extra
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  }

  static String messages(String maxTokens, String extra) {
    return "{\"model\":\"fake-paid\",\"max_tokens\":"
        + maxTokens
        + extra
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  }

  static String notice(String tx, String amount, String currency) {
    return "{\"transaction_id\":\""
        + tx
        + "\",\"account_id\":\"{account}\",\"amount\":"
        + amount
        + ",\"currency\":\""
        + currency
        + "\",\"status\":\"succeeded\"}";
  }

  static String credit(String amount, String reference) {
    return "{\"amount\":" + amount + ",\"reference\":\"" + reference + "\",\"type\":\"credit\"}";
  }

  static String key(String limits) {
    return "{\"name\":\"k\",\"limits\":{" + limits + "}}";
  }

  static final String CHAT = "/v1/chat/completions";
  static final String MESSAGES = "/v1/messages";
  static final String EMBEDDINGS = "/v1/embeddings";
  static final String WEBHOOK = "/webhooks/payments";
  static final String CREDITS = "/admin/accounts/{account}/credits";
  static final String ADMIN_KEYS = "/admin/accounts/{account}/keys";
  static final String OWNER_KEYS = "/v1/keys";
  static final String PAST = "2020-01-01T00:00:00Z";

  static Stream<Row> rows() {
    Caller k = Caller.API_KEY;
    Caller a = Caller.ADMIN;
    Caller o = Caller.OWNER;
    Caller p = Caller.PAYMENTS;
    return Stream.of(
        // --- output-token counts: a 503 (retried by SDKs) or a 500 before the bound ---
        row(
            "max_tokens 2^63-1",
            k,
            "POST",
            CHAT,
            chat("\"max_tokens\":" + MAX_LONG),
            400,
            null,
            "max_tokens"),
        row(
            "max_tokens 2^63",
            k,
            "POST",
            CHAT,
            chat("\"max_tokens\":" + TWO_TO_63),
            400,
            null,
            "max_tokens"),
        row(
            "max_tokens 10^29",
            k,
            "POST",
            CHAT,
            chat("\"max_tokens\":" + HUGE),
            400,
            null,
            "max_tokens"),
        row(
            "max_tokens 1000001",
            k,
            "POST",
            CHAT,
            chat("\"max_tokens\":1000001"),
            400,
            null,
            "max_tokens"),
        row(
            "max_tokens 1e30",
            k,
            "POST",
            CHAT,
            chat("\"max_tokens\":1e30"),
            400,
            null,
            "max_tokens"),
        row("max_tokens 0", k, "POST", CHAT, chat("\"max_tokens\":0"), 400, null, "max_tokens"),
        row(
            "max_completion_tokens 2^63-1",
            k,
            "POST",
            CHAT,
            chat("\"max_completion_tokens\":" + MAX_LONG),
            400,
            null,
            "max_completion_tokens"),
        row(
            "max_completion_tokens 2^63",
            k,
            "POST",
            CHAT,
            chat("\"max_completion_tokens\":" + TWO_TO_63),
            400,
            null,
            "max_completion_tokens"),
        row("n 2^63", k, "POST", CHAT, chat("\"n\":" + TWO_TO_63), 400, null, "n"),
        row("seed 10^29", k, "POST", CHAT, chat("\"seed\":" + HUGE), 400, null, "seed"),
        row(
            "messages max_tokens 2^63-1",
            k,
            "POST",
            MESSAGES,
            messages(MAX_LONG, ""),
            400,
            null,
            null),
        row(
            "messages max_tokens 2^63",
            k,
            "POST",
            MESSAGES,
            messages(TWO_TO_63, ""),
            400,
            null,
            null),
        row(
            "messages max_tokens 1000001",
            k,
            "POST",
            MESSAGES,
            messages("1000001", ""),
            400,
            null,
            null),
        row(
            "messages budget_tokens 2^63",
            k,
            "POST",
            MESSAGES,
            messages(
                "5000", ",\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":" + TWO_TO_63 + "}"),
            400,
            null,
            null),
        row(
            "embeddings dimensions 2^63",
            k,
            "POST",
            EMBEDDINGS,
            "{\"model\":\"fake-paid\",\"input\":\"hi\",\"dimensions\":" + TWO_TO_63 + "}",
            400,
            null,
            "dimensions"),
        row(
            "embeddings dimensions 2^31",
            k,
            "POST",
            EMBEDDINGS,
            "{\"model\":\"fake-paid\",\"input\":\"hi\",\"dimensions\":2147483648}",
            400,
            null,
            "dimensions"),
        // --- payment webhook: amounts, ids, currency ---
        row(
            "webhook amount past long",
            p,
            "POST",
            WEBHOOK,
            notice("{tx}", "\"9223372036.854775808\"", "USD"),
            400,
            null,
            "amount"),
        row(
            "webhook amount number 2^63",
            p,
            "POST",
            WEBHOOK,
            notice("{tx}", TWO_TO_63, "USD"),
            400,
            null,
            "amount"),
        row(
            "webhook amount past the balance's range",
            p,
            "POST",
            WEBHOOK,
            notice("{tx}", "\"9223372036.854775807\"", "USD"),
            400,
            null,
            "amount"),
        row(
            "webhook amount arabic-indic digits",
            p,
            "POST",
            WEBHOOK,
            notice("{tx}", "\"\u0661\u0662\"", "USD"),
            400,
            null,
            "amount"),
        row(
            "webhook amount fullwidth digits",
            p,
            "POST",
            WEBHOOK,
            notice("{tx}", "\"\uff11\uff12\"", "USD"),
            400,
            null,
            "amount"),
        row(
            "webhook amount exponent string",
            p,
            "POST",
            WEBHOOK,
            notice("{tx}", "\"1e3\"", "USD"),
            400,
            null,
            "amount"),
        row(
            "webhook amount exponent number",
            p,
            "POST",
            WEBHOOK,
            notice("{tx}", "1e3", "USD"),
            400,
            null,
            "amount"),
        row(
            "webhook amount with spaces",
            p,
            "POST",
            WEBHOOK,
            notice("{tx}", "\" 12\"", "USD"),
            400,
            null,
            "amount"),
        row(
            "webhook amount with a plus",
            p,
            "POST",
            WEBHOOK,
            notice("{tx}", "\"+12\"", "USD"),
            400,
            null,
            "amount"),
        row(
            "webhook amount 10 decimals",
            p,
            "POST",
            WEBHOOK,
            notice("{tx}", "\"1.0000000001\"", "USD"),
            400,
            null,
            "amount"),
        row(
            "webhook NUL in transaction_id",
            p,
            "POST",
            WEBHOOK,
            notice("{tx}\\u0000", "\"1\"", "USD"),
            400,
            null,
            "transaction_id"),
        row(
            "webhook line break in transaction_id",
            p,
            "POST",
            WEBHOOK,
            notice("{tx}\\r\\n", "\"1\"", "USD"),
            400,
            null,
            "transaction_id"),
        row(
            "webhook transaction_id of 201 characters",
            p,
            "POST",
            WEBHOOK,
            notice("t".repeat(201), "\"1\"", "USD"),
            400,
            null,
            "transaction_id"),
        row(
            "webhook NUL in account_id",
            p,
            "POST",
            WEBHOOK,
            notice("{tx}", "\"1\"", "USD").replace("{account}", "{account}\\u0000"),
            400,
            null,
            "account_id"),
        row(
            "webhook in JPY on a USD account",
            p,
            "POST",
            WEBHOOK,
            notice(JPY_TX, "\"1000\"", "JPY"),
            422,
            "currency_mismatch",
            "currency"),
        row(
            "webhook in JPY, retried",
            p,
            "POST",
            WEBHOOK,
            notice(JPY_TX, "\"1000\"", "JPY"),
            422,
            "currency_mismatch",
            "currency"),
        // --- admin credits: the same amounts as the webhook's, and texts ---
        row(
            "credit amount past long",
            a,
            "POST",
            CREDITS,
            credit("\"9223372036.854775808\"", "r1"),
            400,
            null,
            "amount"),
        row(
            "credit amount number 2^63",
            a,
            "POST",
            CREDITS,
            credit(TWO_TO_63, "r1"),
            400,
            null,
            "amount"),
        row(
            "credit amount past the balance's range",
            a,
            "POST",
            CREDITS,
            credit("\"9223372036.854775807\"", "r-range"),
            400,
            null,
            "amount"),
        row(
            "credit amount arabic-indic digits",
            a,
            "POST",
            CREDITS,
            credit("\"\u0661\u0662\"", "r1"),
            400,
            null,
            "amount"),
        row(
            "credit amount exponent string",
            a,
            "POST",
            CREDITS,
            credit("\"1e3\"", "r1"),
            400,
            null,
            "amount"),
        row(
            "credit amount exponent number",
            a,
            "POST",
            CREDITS,
            credit("1e3", "r1"),
            400,
            null,
            "amount"),
        row(
            "credit amount negative exponent number",
            a,
            "POST",
            CREDITS,
            credit("1E-999999999", "r1"),
            400,
            null,
            "amount"),
        row(
            "credit amount negative",
            a,
            "POST",
            CREDITS,
            credit("\"-5\"", "r1"),
            400,
            null,
            "amount"),
        row(
            "credit amount 10 decimals",
            a,
            "POST",
            CREDITS,
            credit("0.0000000001", "r1"),
            400,
            null,
            "amount"),
        row(
            "credit NUL in reference",
            a,
            "POST",
            CREDITS,
            credit("\"1\"", "r\\u0000"),
            400,
            null,
            "reference"),
        row(
            "credit reference of 201 characters",
            a,
            "POST",
            CREDITS,
            credit("\"1\"", "r".repeat(201)),
            400,
            null,
            "reference"),
        row(
            "credit line break in note",
            a,
            "POST",
            CREDITS,
            "{\"amount\":\"1\",\"reference\":\"r1\",\"type\":\"credit\",\"note\":\"a\\nINFO forged\"}",
            400,
            null,
            "note"),
        // --- admin accounts ---
        row(
            "account NUL in name",
            a,
            "POST",
            "/admin/accounts",
            "{\"name\":\"a\\u0000\",\"owner\":\"o\"}",
            400,
            null,
            "name"),
        row(
            "account allowance past long",
            a,
            "POST",
            "/admin/accounts",
            "{\"name\":\"a\",\"owner\":\"o\",\"plan\":{\"allowance\":"
                + HUGE
                + ",\"period\":\"P1M\"}}",
            400,
            null,
            "plan.allowance"),
        row(
            "account discount exponent",
            a,
            "POST",
            "/admin/accounts",
            "{\"name\":\"a\",\"owner\":\"o\",\"discount\":\"1e-1\"}",
            400,
            null,
            "discount"),
        row(
            "account discount huge exponent number",
            a,
            "PATCH",
            "/admin/accounts/{account}",
            "{\"status\":\"active\",\"discount\":1e-999999999}",
            400,
            null,
            "discount"),
        // --- keys, by the admin and by the owner ---
        row(
            "admin key expired when made",
            a,
            "POST",
            ADMIN_KEYS,
            key("\"expires_at\":\"" + PAST + "\""),
            400,
            null,
            "limits.expires_at"),
        row(
            "admin key expiry past PostgreSQL's range",
            a,
            "POST",
            ADMIN_KEYS,
            key("\"expires_at\":\"+1000000-01-01T00:00:00Z\""),
            400,
            null,
            "limits.expires_at"),
        row(
            "admin key rpm 2^63",
            a,
            "POST",
            ADMIN_KEYS,
            key("\"rpm\":" + TWO_TO_63),
            400,
            null,
            "rpm"),
        row(
            "admin key spend_cap exponent",
            a,
            "POST",
            ADMIN_KEYS,
            key("\"spend_cap\":\"1e3\""),
            400,
            null,
            "limits.spend_cap"),
        row(
            "admin key NUL in name",
            a,
            "POST",
            ADMIN_KEYS,
            "{\"name\":\"k\\u0000\"}",
            400,
            null,
            "name"),
        row(
            "admin key NUL in a model",
            a,
            "POST",
            ADMIN_KEYS,
            key("\"models\":[\"m\\u0000\"]"),
            400,
            null,
            "limits.models"),
        row(
            "owner key expired when made",
            o,
            "POST",
            OWNER_KEYS,
            key("\"expires_at\":\"" + PAST + "\""),
            400,
            null,
            "limits.expires_at"),
        row(
            "owner key NUL in name",
            o,
            "POST",
            OWNER_KEYS,
            "{\"name\":\"\\u0000\"}",
            400,
            null,
            "name"));
    // Not yet here, being done elsewhere for issue 9 (add rows when merged): a wrong method
    // (405 with Allow), percent-encoded paths (/%61dmin/..., /%76%31/...), a JWT without exp.
  }

  @LocalServerPort int port;
  @Autowired HoldStore holds;

  private final WebhookSignature signer = new WebhookSignature(WEBHOOK_SECRET, Clock.systemUTC());

  @BeforeEach
  void ownTheAccountAndCacheIt() throws SQLException {
    try (Connection c = DriverManager.getConnection(TestServices.jdbcUrl(), "postgres", "");
        PreparedStatement s =
            c.prepareStatement("UPDATE accounts SET owner_subject = ? WHERE id = ?")) {
      s.setString(1, OWNER);
      s.setString(2, ACCOUNT);
      assertThat(s.executeUpdate()).as("the demo account exists").isEqualTo(1);
    }
    if (holds.account(ACCOUNT).block(Duration.ofSeconds(5)) == null) {
      long balance = BillingTestSupport.pgBalance(ACCOUNT);
      holds.loadAccount(ACCOUNT, balance, 0, 0, "active").block(Duration.ofSeconds(5));
    }
    UPSTREAM.clear();
  }

  /** What a bad input must not move. */
  record Money(
      long pgBalance,
      long redisBalance,
      long redisHeld,
      long ledgerEntries,
      long usageEvents,
      long keys) {}

  Money money() {
    AccountState cached = holds.account(ACCOUNT).block(Duration.ofSeconds(5));
    assertThat(cached).as("account in Redis").isNotNull();
    return new Money(
        BillingTestSupport.pgBalance(ACCOUNT),
        cached.balance(),
        cached.held(),
        BillingTestSupport.queryLong(
            "SELECT count(*) FROM ledger_entries WHERE account_id = ?", ACCOUNT),
        BillingTestSupport.queryLong(
            "SELECT count(*) FROM usage_events WHERE account_id = ?", ACCOUNT),
        BillingTestSupport.queryLong(
            "SELECT count(*) FROM api_keys WHERE account_id = ?", ACCOUNT));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void isRefusedAndCostsNothing(Row row) throws InterruptedException {
    Money before = money();
    String path = row.path().replace("{account}", ACCOUNT);
    String body =
        row.body().replace("{account}", ACCOUNT).replace("{tx}", "tx_" + UUID.randomUUID());

    Answer answer = send(row.caller(), row.method(), path, body);

    assertThat(answer.status()).as("status; body %s", answer.body()).isEqualTo(row.status());
    assertThat(answer.contentType()).as("content type").startsWith("application/json");
    JsonNode json = Json.MAPPER.readTree(answer.body());
    JsonNode error = json.path("error");
    assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
    assertThat(error.path("message").asString()).as("message").isNotBlank();
    if (path.startsWith(MESSAGES)) {
      assertThat(json.path("type").asString()).as("Anthropic shape").isEqualTo("error");
    } else {
      assertThat(textOrNull(error.get("code"))).as("code").isEqualTo(row.code());
      assertThat(textOrNull(error.get("param"))).as("param").isEqualTo(row.param());
      if (row.status() == 400) {
        assertThat(error.path("message").asString()).as("message").contains("(expected: ");
      }
    }
    assertThat(money()).as("money after the refusal").isEqualTo(before);
    assertThat(UPSTREAM.pendingRequests()).as("requests that reached the upstream").isZero();
  }

  private static @Nullable String textOrNull(@Nullable JsonNode node) {
    return node == null || node.isNull() ? null : node.asString();
  }

  record Answer(int status, String contentType, String body) {}

  private Answer send(Caller caller, String method, String path, String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    return HttpClient.create()
        .headers(
            h -> {
              h.set("content-type", "application/json");
              switch (caller) {
                case API_KEY -> h.set("Authorization", "Bearer " + BillingTestSupport.KEY);
                case ADMIN -> h.set("Authorization", "Bearer " + MASTER_KEY);
                case OWNER -> h.set("Authorization", "Bearer " + TOKENS.valid(OWNER));
                case PAYMENTS -> h.set(WebhookSignature.HEADER, signed(bytes));
              }
            })
        .request(HttpMethod.valueOf(method))
        .uri("http://127.0.0.1:" + port + path)
        .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(bytes)))
        .responseSingle(
            (response, content) ->
                content
                    .asString(StandardCharsets.UTF_8)
                    .defaultIfEmpty("")
                    .map(
                        text ->
                            new Answer(
                                response.status().code(),
                                String.valueOf(response.responseHeaders().get("content-type")),
                                text)))
        .block(Duration.ofSeconds(15));
  }

  private String signed(byte[] body) {
    String t = Long.toString(System.currentTimeMillis() / 1000);
    return "t=" + t + ",v1=" + signer.signHex(t, body);
  }
}
