package dev.tollgate.gateway.web.pages;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.billing.ledger.AccountRepository;
import dev.tollgate.billing.ledger.AccountRow;
import dev.tollgate.billing.ledger.AccountStatus;
import dev.tollgate.gateway.billing.BillingTestSupport;
import dev.tollgate.gateway.support.TestServices;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The customer's pages in a real browser (Debian's Chromium, driven by Selenium through
 * chromedriver) against a running gateway on the mock provider, real Redis and PostgreSQL, and a
 * {@link FakeIdentityProvider} for the owner's OIDC login (authorization code with PKCE, the whole
 * redirect round trip). Also takes the screenshots in {@code docs/screenshots}.
 *
 * <p>Chromium missing is a failure, not a skip: CI installs it ({@code .ci/run ensure_chromium}).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class WebPagesBrowserTest {

  static final String DEMO = "acct-web-pages-" + TestServices.REDIS_PREFIX;
  static final FakeIdentityProvider IDP = new FakeIdentityProvider();
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    BillingTestSupport.billingProperties(registry, DEMO);
    // A slow model, to stop an answer in the middle.
    registry.add("gateway.models[2].id", () -> "slow");
    registry.add("gateway.models[2].provider", () -> "local");
    registry.add("gateway.models[2].mock.tokens", () -> "3000");
    registry.add("gateway.models[2].mock.ttft-ms", () -> "50");
    registry.add("gateway.models[2].mock.inter-token-ms", () -> "20");
    registry.add("gateway.models[2].price.input", () -> "1.00");
    registry.add("gateway.models[2].price.output", () -> "2.00");
    registry.add("spring.security.oauth2.resourceserver.jwt.issuer-uri", IDP::issuer);
    registry.add("spring.security.oauth2.resourceserver.jwt.jwk-set-uri", IDP::jwksUri);
    registry.add(
        "spring.security.oauth2.resourceserver.jwt.audiences", () -> FakeIdentityProvider.AUDIENCE);
    registry.add("gateway.web.oidc.client-id", () -> FakeIdentityProvider.CLIENT_ID);
  }

  @LocalServerPort int port;
  @Autowired AccountRepository accounts;

  private static WebDriver driver;
  private static Path profile;

  String base() {
    return "http://127.0.0.1:" + port;
  }

  /** One Chromium for the class, started when a test first needs it. */
  static synchronized WebDriver browser() throws IOException {
    if (driver != null) {
      return driver;
    }
    assertThat(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER))
        .as(
            "The browser tests need Debian's Chromium and its driver (%s, %s):"
                + " apt-get install -y chromium chromium-driver (.ci/run ensure_chromium does it)",
            CHROMIUM, CHROMEDRIVER)
        .isTrue();
    profile = Files.createTempDirectory("tollgate-chromium-");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,800",
        "--user-data-dir=" + profile);
    // The driver is given, so Selenium Manager never looks for (or downloads) one.
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .build();
    driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
    return driver;
  }

  @AfterAll
  static void quit() throws IOException {
    if (driver != null) {
      driver.quit();
      driver = null;
    }
    if (profile != null) {
      try (var files = Files.walk(profile)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** Opens {@code path} in a browser whose storage of this origin is empty. */
  WebDriver fresh(String path) throws IOException {
    WebDriver b = browser();
    b.manage().window().setSize(new Dimension(1280, 800));
    b.get(base() + "/web/icon.svg");
    ((JavascriptExecutor) b).executeScript("localStorage.clear(); sessionStorage.clear();");
    b.get(base() + path);
    return b;
  }

  /** A wait that looks again when the page re-rendered an element it had found. */
  static WebDriverWait waiting(WebDriver b) {
    WebDriverWait wait = new WebDriverWait(b, Duration.ofSeconds(20));
    wait.ignoring(StaleElementReferenceException.class);
    return wait;
  }

  /** The text of the last element with this test id, found afresh (the page re-renders them). */
  static String lastText(WebDriver b, String testId) {
    return waiting(b)
        .until(
            d -> {
              List<WebElement> all = d.findElements(id(testId));
              return all.isEmpty() ? null : all.get(all.size() - 1).getText();
            });
  }

  static By id(String testId) {
    return By.cssSelector("[data-testid='" + testId + "']");
  }

  static WebElement visible(WebDriver b, String testId) {
    return waiting(b).until(ExpectedConditions.visibilityOfElementLocated(id(testId)));
  }

  void signInWithKey(WebDriver b, String key) {
    visible(b, "api-key").sendKeys(key);
    b.findElement(By.cssSelector("#key-form button[type=submit]")).click();
  }

  /** Sends a prompt to a model and answers the new answer's element. */
  WebElement ask(WebDriver b, String model, String prompt) {
    waiting(b)
        .until(
            d ->
                new Select(d.findElement(id("model")))
                    .getOptions().stream().anyMatch(o -> o.getAttribute("value").equals(model)));
    new Select(b.findElement(id("model"))).selectByValue(model);
    int before = b.findElements(id("message-assistant")).size();
    b.findElement(id("prompt")).sendKeys(prompt);
    b.findElement(id("send")).click();
    waiting(b).until(d -> d.findElements(id("message-assistant")).size() > before);
    return b.findElements(id("message-assistant")).get(before);
  }

  static void screenshot(WebDriver b, String name) throws IOException {
    Path dir = Path.of("").toAbsolutePath();
    if (dir.getFileName().toString().equals("gateway")) {
      dir = dir.getParent();
    }
    Path target = dir.resolve("docs/screenshots/" + name + ".png");
    Files.createDirectories(target.getParent());
    Files.write(target, ((TakesScreenshot) b).getScreenshotAs(OutputType.BYTES));
  }

  // ---

  @Test
  void aCustomerChatsWithAKeyStopsAnAnswerAndFindsBothOnTheDashboard() throws Exception {
    WebDriver b = fresh("/chat");
    signInWithKey(b, BillingTestSupport.KEY);

    // A whole answer, streamed, with its tokens and cost.
    ask(b, "paid", "Hello! What can you do?");
    waiting(b).until(d -> lastText(d, "message-cost").contains("out tokens"));
    BillingTestSupport.awaitFlushed(DEMO, 1);
    assertThat(lastText(b, "message-cost"))
        .contains("paid")
        .contains("10 out tokens")
        .contains("$" + decimal(charged("paid")));
    assertThat(lastText(b, "message-assistant")).isNotBlank();

    // A long answer, stopped after a few tokens: billed only for what was delivered.
    ask(b, "slow", "Tell me a very long story.");
    waiting(b).until(d -> lastText(d, "message-assistant").length() > 20);
    b.findElement(id("stop")).click();
    waiting(b)
        .until(
            d ->
                lastText(d, "message-cost").contains("stopped")
                    && lastText(d, "message-cost").contains("$"));
    assertThat(b.findElement(id("stop")).isEnabled()).isFalse();
    BillingTestSupport.awaitFlushed(DEMO, 2);
    String status =
        BillingTestSupport.queryString(
            "SELECT status FROM usage_events WHERE account_id = ? AND model = 'slow'", DEMO);
    long completion =
        BillingTestSupport.queryLong(
            "SELECT completion_tokens FROM usage_events WHERE account_id = ? AND model = 'slow'",
            DEMO);
    long chargedNanos = charged("slow");
    long prompt =
        BillingTestSupport.queryLong(
            "SELECT prompt_tokens FROM usage_events WHERE account_id = ? AND model = 'slow'", DEMO);
    assertThat(status).isEqualTo("cancelled");
    assertThat(completion).isPositive().isLessThan(3000);
    assertThat(chargedNanos).isEqualTo(BillingTestSupport.cost(prompt, completion));
    assertThat(lastText(b, "message-cost"))
        .contains(completion + " out tokens")
        .contains("$" + decimal(chargedNanos));
    screenshot(b, "chat-desktop");

    // A reload keeps the conversation, from this browser's storage.
    b.navigate().refresh();
    waiting(b).until(d -> d.findElements(id("message-assistant")).size() == 2);
    assertThat(b.findElements(id("conversation"))).hasSize(1);
    assertThat(b.findElement(id("conversation")).getText()).contains("Hello! What can you do?");
    assertThat(b.findElements(id("message-cost")).get(1).getText()).contains("stopped");

    b.manage().window().setSize(new Dimension(390, 844));
    screenshot(b, "chat-phone");
    b.manage().window().setSize(new Dimension(1280, 800));

    // The dashboard: still signed in (the same key), read-only, balance and both requests.
    b.get(base() + "/dashboard");
    waiting(b).until(d -> visible(d, "balance").getText().contains("$"));
    assertThat(visible(b, "read-only").getText()).contains("read-only");
    waiting(b).until(d -> d.findElements(id("usage-row")).size() == 2);
    List<WebElement> rows = b.findElements(id("usage-row"));
    assertThat(rows.get(0).getText()).contains("slow").contains("cancelled");
    assertThat(rows.get(1).getText()).contains("paid").contains("completed");
    assertThat(b.findElements(id("create-key"))).allMatch(e -> !e.isDisplayed());
    waiting(b).until(d -> !d.findElements(id("ledger-row")).isEmpty());
    screenshot(b, "dashboard-desktop");
    b.manage().window().setSize(new Dimension(390, 844));
    screenshot(b, "dashboard-phone");
  }

  static long charged(String model) {
    return BillingTestSupport.queryLong(
        "SELECT charged_nanos FROM usage_events WHERE account_id = ? AND model = ?", DEMO, model);
  }

  /** Nano-units as the API's decimal, as the page shows it. */
  static String decimal(long nanos) {
    return BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString();
  }

  @Test
  void theOwnerLogsInWithOidcAndCreatesAndRevokesAKey() throws Exception {
    String subject = "web-owner-" + UUID.randomUUID();
    AccountRow row =
        new AccountRow(
            AccountRepository.newId(),
            "Web owner",
            subject,
            0,
            0,
            0,
            null,
            0,
            AccountStatus.ACTIVE);
    accounts.ensure(row).block(Duration.ofSeconds(10));
    accounts
        .credit(row.id(), "web-topup-" + row.id(), "credit", 5_000_000_000L, "topup")
        .block(Duration.ofSeconds(10));
    IDP.subject = subject;
    int issued = IDP.tokensIssued.get();

    WebDriver b = fresh("/dashboard");
    visible(b, "oidc-login").click();
    // The identity provider redirects back with a code; the page exchanges it with its verifier.
    waiting(b).until(d -> visible(d, "balance").getText().contains("5.00"));
    assertThat(IDP.tokensIssued.get()).isEqualTo(issued + 1);
    assertThat(b.getCurrentUrl()).isEqualTo(base() + "/dashboard");
    assertThat(b.findElement(id("read-only")).isDisplayed()).isFalse();

    visible(b, "key-name").sendKeys("laptop");
    b.findElement(id("create-key")).click();
    String secret = visible(b, "new-key-secret").getText();
    assertThat(secret).startsWith("sk-gw-");
    waiting(b).until(d -> d.findElements(id("key-row")).size() == 1);
    waiting(b).until(d -> d.findElement(id("key-row")).getText().contains("active"));
    WebElement keyRow = b.findElement(id("key-row"));
    assertThat(keyRow.getText())
        .contains("laptop")
        .contains(secret.substring(0, 12))
        .contains("active");
    String keyId = keyRow.getAttribute("data-key-id");
    assertThat(
            BillingTestSupport.queryString(
                "SELECT status FROM api_keys WHERE id = ? AND account_id = ?", keyId, row.id()))
        .isEqualTo("active");

    b.findElement(id("revoke-key")).click();
    waiting(b).until(ExpectedConditions.alertIsPresent()).accept();
    waiting(b).until(d -> d.findElement(id("key-row")).getText().contains("revoked"));
    assertThat(BillingTestSupport.queryString("SELECT status FROM api_keys WHERE id = ?", keyId))
        .isEqualTo("revoked");
  }

  @Test
  void thePagesArePublicWithAStrictPolicyAndCacheHeaders() {
    WebTestClient client =
        WebTestClient.bindToServer()
            .baseUrl(base())
            .responseTimeout(Duration.ofSeconds(10))
            .build();
    for (String page : List.of("/chat", "/dashboard")) {
      EntityExchangeResult<String> result =
          client
              .get()
              .uri(page)
              .exchange()
              .expectStatus()
              .isOk()
              .expectHeader()
              .contentTypeCompatibleWith(MediaType.TEXT_HTML)
              .expectHeader()
              .cacheControl(CacheControl.noCache())
              .expectHeader()
              .valueEquals("X-Content-Type-Options", "nosniff")
              .expectHeader()
              .valueEquals("Referrer-Policy", "no-referrer")
              .expectBody(String.class)
              .returnResult();
      String csp = result.getResponseHeaders().getFirst("Content-Security-Policy");
      assertThat(csp)
          .contains("default-src 'none'")
          .contains("script-src 'self';")
          .contains("connect-src 'self' " + IDP.issuer() + ";")
          .contains("frame-ancestors 'none'")
          .doesNotContain("unsafe");
      String html = result.getResponseBody();
      // No inline script or style: every script has a src, and no element has a style attribute.
      assertThat(html).doesNotContainPattern("<script(?![^>]*\\ssrc=)").doesNotContain("style=");
      assertThat(html).containsPattern("/web/app\\.css\\?v=[0-9a-f]{12}\"");
      // Revalidation: the same page again is 304 without a body.
      client
          .get()
          .uri(page)
          .header("If-None-Match", result.getResponseHeaders().getETag())
          .exchange()
          .expectStatus()
          .isNotModified();
    }
    String html =
        client
            .get()
            .uri("/chat")
            .exchange()
            .expectBody(String.class)
            .returnResult()
            .getResponseBody();
    String version = html.replaceAll("(?s).*/web/chat\\.js\\?v=([0-9a-f]+).*", "$1");
    client
        .get()
        .uri("/web/chat.js?v=" + version)
        .exchange()
        .expectStatus()
        .isOk()
        .expectHeader()
        .contentTypeCompatibleWith("text/javascript")
        .expectHeader()
        .value(
            "Cache-Control", v -> assertThat(v).contains("immutable").contains("max-age=31536000"))
        .expectBody(String.class)
        .value(js -> assertThat(js).contains("'./common.js?v=" + version + "'"));
    client.get().uri("/web/chat.js").exchange().expectHeader().cacheControl(CacheControl.noCache());
    client.get().uri("/web/nope.js").exchange().expectStatus().isNotFound();
    client.get().uri("/web/chat.html").exchange().expectStatus().isNotFound();
    client
        .get()
        .uri("/web/config.json")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.oidc.issuer")
        .isEqualTo(IDP.issuer())
        .jsonPath("$.oidc.client_id")
        .isEqualTo(FakeIdentityProvider.CLIENT_ID)
        .jsonPath("$.top_up_url")
        .isEqualTo("/dashboard");
  }
}
