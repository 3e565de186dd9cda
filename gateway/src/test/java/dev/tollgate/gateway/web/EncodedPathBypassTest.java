package dev.tollgate.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Json;
import dev.tollgate.gateway.billing.BillingTestSupport;
import dev.tollgate.gateway.support.RawHttp;
import dev.tollgate.gateway.support.TestServices;
import dev.tollgate.gateway.support.Tokens;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Regression: the admin API answered without any credential to {@code /%61dmin/accounts/...} (and
 * credited money on {@code POST /%61dmin/accounts/{id}/credits}), {@code /%76%31/chat/completions}
 * failed with a 500 and {@code /%761/models} answered without a key, because the guards read the
 * raw path and the router the decoded one. Over real sockets (the path sent exactly as written),
 * every protected prefix in every spelling: encoded letters (lower, upper and mixed-case hex), a
 * whole encoded segment, double encoding, {@code ;} parameters, dot segments, empty segments, an
 * encoded {@code /}, and other letter cases. Never a 2xx without a credential, never a 500, never
 * money moved.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "gateway.admin.master-key=" + EncodedPathBypassTest.MASTER_KEY,
      "gateway.payments.webhook-secret=whsec-encoded-path-0123456789"
    })
class EncodedPathBypassTest {

  static final String MASTER_KEY = "encoded-path-master-key-0123456789";
  static final String ACCOUNT = "acct-encoded-path-" + TestServices.REDIS_PREFIX;
  static final Tokens TOKENS = new Tokens();

  static final String CREDIT = "{\"amount\":\"1000\",\"reference\":\"bypass\",\"type\":\"credit\"}";
  static final String CHAT =
      "{\"model\":\"paid\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    BillingTestSupport.billingProperties(registry, ACCOUNT);
    registry.add("spring.security.oauth2.resourceserver.jwt.jwk-set-uri", TOKENS::jwksUri);
    registry.add("spring.security.oauth2.resourceserver.jwt.issuer-uri", () -> Tokens.ISSUER);
    registry.add("spring.security.oauth2.resourceserver.jwt.audiences", () -> Tokens.AUDIENCE);
  }

  @LocalServerPort int port;

  /** A protected request in its canonical spelling. */
  record Call(String method, String path, @Nullable String body) {}

  List<Call> protectedCalls() {
    return List.of(
        new Call("GET", "/admin/accounts/" + ACCOUNT, null),
        new Call("POST", "/admin/accounts/" + ACCOUNT + "/credits", CREDIT),
        new Call("PATCH", "/admin/accounts/" + ACCOUNT, "{\"status\":\"suspended\"}"),
        new Call("POST", "/admin/accounts/" + ACCOUNT + "/keys", "{}"),
        new Call("DELETE", "/admin/keys/key-that-does-not-exist", null),
        new Call("POST", "/admin/accounts", "{\"name\":\"x\",\"owner\":\"bypass\"}"),
        new Call("GET", "/v1/models", null),
        new Call("POST", "/v1/chat/completions", CHAT),
        new Call("POST", "/v1/embeddings", "{\"model\":\"paid\",\"input\":\"hi\"}"),
        new Call("POST", "/v1/messages", "{\"model\":\"paid\",\"max_tokens\":5,\"messages\":[]}"),
        new Call("GET", "/v1/generation/req_0123", null),
        new Call("GET", "/v1/account", null),
        new Call("GET", "/v1/keys", null),
        new Call("POST", "/v1/keys", "{}"),
        new Call("GET", "/v1/usage", null),
        new Call("GET", "/v1/usage/export", null),
        new Call("GET", "/v1/ledger", null),
        new Call("POST", "/webhooks/payments", "{\"account_id\":\"" + ACCOUNT + "\"}"),
        new Call("GET", "/actuator/metrics", null),
        new Call("GET", "/actuator/health", null),
        new Call("GET", "/actuator/prometheus", null));
  }

  /**
   * Spellings that are not canonical: each must be refused as a bad path (400; a malformed escape
   * is refused by the HTTP layer before any filter).
   */
  static Set<String> nonCanonical(String path) {
    Set<String> spellings = new LinkedHashSet<>();
    String[] segments = path.substring(1).split("/");
    for (int s = 0; s < segments.length; s++) {
      String segment = segments[s];
      char first = segment.charAt(0);
      String lower = String.format(Locale.ROOT, "%%%02x", (int) first);
      String upper = lower.toUpperCase(Locale.ROOT);
      String last =
          String.format(Locale.ROOT, "%%%02X", (int) segment.charAt(segment.length() - 1));
      spellings.add(replace(segments, s, lower + segment.substring(1)));
      spellings.add(replace(segments, s, upper + segment.substring(1)));
      spellings.add(replace(segments, s, segment.substring(0, segment.length() - 1) + last));
      spellings.add(replace(segments, s, "%25" + lower.substring(1) + segment.substring(1)));
      spellings.add(replace(segments, s, segment + ";x=1"));
      spellings.add(replace(segments, s, segment + ";"));
      StringBuilder encoded = new StringBuilder();
      for (char c : segment.toCharArray()) {
        encoded.append(String.format(Locale.ROOT, c % 2 == 0 ? "%%%02x" : "%%%02X", (int) c));
      }
      spellings.add(replace(segments, s, encoded.toString()));
    }
    spellings.add("/" + path);
    spellings.add("/." + path);
    spellings.add("/x/.." + path);
    spellings.add("/x/%2e%2e" + path);
    spellings.add(path.replaceFirst("(?<=.)/", "//"));
    spellings.add(path.replaceFirst("(?<=.)/", "%2F"));
    spellings.add(path.replaceFirst("(?<=.)/", "%2f"));
    spellings.add(path.replaceFirst("(?<=.)/", "/./"));
    spellings.add(path.replaceFirst("(?<=.)/", "/x/../"));
    spellings.add(path + "%");
    spellings.add(path + "%zz");
    spellings.add(path + "%00");
    spellings.remove(path);
    return spellings;
  }

  private static String replace(String[] segments, int index, String replacement) {
    StringBuilder path = new StringBuilder();
    for (int i = 0; i < segments.length; i++) {
      path.append('/').append(i == index ? replacement : segments[i]);
    }
    return path.toString();
  }

  RawHttp.Response send(String method, String target, @Nullable String bearer, @Nullable String b)
      throws IOException {
    return RawHttp.exchange(port, method, target, bearer, b);
  }

  @Test
  void noSpellingOfAProtectedPathAnswersWithoutACredential() throws IOException {
    long balanceBefore = BillingTestSupport.pgBalance(ACCOUNT);
    List<String> wrong = new ArrayList<>();
    int sent = 0;
    for (Call call : protectedCalls()) {
      // The canonical spelling without a credential: refused (the guard works at all).
      RawHttp.Response plain = send(call.method(), call.path(), null, call.body());
      if (plain.status() < 400 || plain.status() >= 500) {
        wrong.add(call.method() + " " + call.path() + " -> " + plain.status() + " " + plain.body());
      }
      for (String spelling : nonCanonical(call.path())) {
        RawHttp.Response answer = send(call.method(), spelling, null, call.body());
        sent++;
        if (answer.status() != 400 || answer.body().contains("Exception")) {
          wrong.add(
              call.method() + " " + spelling + " -> " + answer.status() + " " + answer.body());
        }
      }
      // Other letter cases are other paths: no route (the router is case-sensitive), no 2xx.
      for (String spelling :
          List.of(call.path().toUpperCase(Locale.ROOT), capitalizeFirstSegment(call.path()))) {
        RawHttp.Response answer = send(call.method(), spelling, null, call.body());
        sent++;
        if (answer.status() != 404) {
          wrong.add(
              call.method() + " " + spelling + " -> " + answer.status() + " " + answer.body());
        }
      }
    }
    assertThat(sent).isGreaterThan(500);
    assertThat(wrong).as("answers to spellings of protected paths").isEmpty();
    assertThat(BillingTestSupport.pgBalance(ACCOUNT)).isEqualTo(balanceBefore);
    // The account is untouched (not suspended, no credit) as the admin API itself reports it.
    RawHttp.Response account = send("GET", "/admin/accounts/" + ACCOUNT, MASTER_KEY, null);
    assertThat(account.status()).isEqualTo(200);
    assertThat(Json.MAPPER.readTree(account.body()).path("status").asString()).isEqualTo("active");
  }

  @Test
  void theMasterKeyInAnotherLetterCaseOfThePathReachesNoAdminHandler() throws IOException {
    assertThat(send("GET", "/admin/accounts/" + ACCOUNT, MASTER_KEY, null).status()).isEqualTo(200);
    for (String path :
        List.of("/ADMIN/accounts/" + ACCOUNT, "/Admin/accounts/" + ACCOUNT, "/admin/Accounts/x")) {
      RawHttp.Response answer = send("GET", path, MASTER_KEY, null);
      assertThat(answer.status()).as(path).isEqualTo(404);
      assertThat(errorCode(answer)).as(path).isNull();
    }
  }

  @Test
  void aBadPathIsA400InTheOpenAiShapeWithoutAStackTrace() throws IOException {
    RawHttp.Response answer = send("POST", "/%76%31/chat/completions", null, CHAT);
    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.header("content-type")).startsWith("application/json");
    assertThat(answer.header("x-request-id")).startsWith("req_");
    JsonNode error = Json.MAPPER.readTree(answer.body()).path("error");
    assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
    assertThat(error.path("code").asString()).isEqualTo("invalid_path");
    assertThat(error.path("message").asString()).contains("percent-encoded 'v'");
    assertThat(answer.body()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void encodedCharactersThatAreNotUnreservedStillRoute() throws IOException {
    // A space in an id is sent as %20: that stays allowed (and is simply an unknown account).
    RawHttp.Response answer = send("GET", "/admin/accounts/no%20such", MASTER_KEY, null);
    assertThat(answer.status()).isEqualTo(404);
  }

  private static String capitalizeFirstSegment(String path) {
    return "/" + Character.toUpperCase(path.charAt(1)) + path.substring(2);
  }

  private static @Nullable String errorCode(RawHttp.Response answer) {
    try {
      JsonNode code = Json.MAPPER.readTree(answer.body()).path("error").path("code");
      return code.isString() ? code.asString() : null;
    } catch (RuntimeException e) {
      return null;
    }
  }
}
