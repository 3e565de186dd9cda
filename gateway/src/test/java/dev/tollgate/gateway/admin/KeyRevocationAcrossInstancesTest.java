package dev.tollgate.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.GatewayApplication;
import dev.tollgate.gateway.billing.BillingTestSupport;
import dev.tollgate.gateway.support.TestServices;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Two gateway instances sharing Redis and PostgreSQL: a key revoked through one is refused by the
 * other within a second, although the other had it cached.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "gateway.admin.master-key=" + AdminApiTest.MASTER_KEY,
      "gateway.billing.instance-id=first"
    })
class KeyRevocationAcrossInstancesTest {

  static final String ACCOUNT = "acct-revocation-" + TestServices.REDIS_PREFIX;

  static ConfigurableApplicationContext second;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    BillingTestSupport.billingProperties(registry, ACCOUNT);
  }

  @BeforeAll
  static void startSecondInstance() {
    List<String> properties = new ArrayList<>(List.of(BillingTestSupport.PRICED_MOCKS));
    properties.add("server.port=0");
    properties.add("spring.data.redis.url=" + TestServices.REDIS_URL);
    properties.add("spring.r2dbc.url=" + TestServices.r2dbcUrl());
    properties.add("gateway.billing.redis-prefix=" + TestServices.REDIS_PREFIX);
    properties.add("gateway.billing.demo.id=" + ACCOUNT);
    properties.add("gateway.billing.instance-id=second");
    // As command-line arguments: default properties would lose to application.yml's model list.
    second =
        new SpringApplicationBuilder(GatewayApplication.class)
            .run(properties.stream().map(p -> "--" + p).toArray(String[]::new));
  }

  @AfterAll
  static void stopSecondInstance() {
    if (second != null) {
      second.close();
    }
  }

  @LocalServerPort int port;

  @Test
  void aKeyRevokedOnOneInstanceIsRefusedByTheOtherWithinOneSecond() throws Exception {
    int secondPort = ((WebServerApplicationContext) second).getWebServer().getPort();
    WebTestClient admin =
        AdminApiTest.client(port)
            .mutate()
            .defaultHeader("Authorization", "Bearer " + AdminApiTest.MASTER_KEY)
            .build();
    String account =
        AdminApiTest.json(
                admin
                    .post()
                    .uri("/admin/accounts")
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"name\":\"r\",\"owner\":\"o\"}")
                    .exchange()
                    .expectStatus()
                    .isCreated())
            .path("id")
            .asString();
    admin
        .post()
        .uri("/admin/accounts/" + account + "/credits")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"amount\":\"1\",\"reference\":\"r-" + account + "\",\"type\":\"credit\"}")
        .exchange()
        .expectStatus()
        .isCreated();
    var created =
        AdminApiTest.json(
            admin
                .post()
                .uri("/admin/accounts/" + account + "/keys")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{}")
                .exchange()
                .expectStatus()
                .isCreated());
    String key = created.path("key").asString();

    // The second instance knows nothing of the admin API (no master key) but serves the key.
    AdminApiTest.chat(secondPort, key, 200);
    AdminApiTest.chat(secondPort, key, 200); // now from its cache

    admin
        .delete()
        .uri("/admin/keys/" + created.path("id").asString())
        .exchange()
        .expectStatus()
        .isNoContent();
    long revokedAt = System.nanoTime();

    int status = 200;
    while (System.nanoTime() - revokedAt < Duration.ofSeconds(1).toNanos()) {
      status = status(secondPort, key);
      if (status == 401) {
        break;
      }
      Thread.sleep(20);
    }
    assertThat(status).as("the second instance's answer within 1 s of revocation").isEqualTo(401);
    AdminApiTest.client(secondPort)
        .get()
        .uri("/admin/accounts/" + account)
        .header("Authorization", "Bearer " + AdminApiTest.MASTER_KEY)
        .exchange()
        .expectStatus()
        .isNotFound();
  }

  @Test
  void aKeysLimitChangedOnOneInstanceAppliesOnTheOtherWithinOneSecond() throws Exception {
    int secondPort = ((WebServerApplicationContext) second).getWebServer().getPort();
    WebTestClient admin =
        AdminApiTest.client(port)
            .mutate()
            .defaultHeader("Authorization", "Bearer " + AdminApiTest.MASTER_KEY)
            .build();
    String account =
        AdminApiTest.json(
                admin
                    .post()
                    .uri("/admin/accounts")
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"name\":\"l\",\"owner\":\"o\"}")
                    .exchange()
                    .expectStatus()
                    .isCreated())
            .path("id")
            .asString();
    admin
        .post()
        .uri("/admin/accounts/" + account + "/credits")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"amount\":\"1\",\"reference\":\"l-" + account + "\",\"type\":\"credit\"}")
        .exchange()
        .expectStatus()
        .isCreated();
    var created =
        AdminApiTest.json(
            admin
                .post()
                .uri("/admin/accounts/" + account + "/keys")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{}")
                .exchange()
                .expectStatus()
                .isCreated());
    String key = created.path("key").asString();
    AdminApiTest.chat(secondPort, key, 200);
    AdminApiTest.chat(secondPort, key, 200); // now from its cache

    admin
        .patch()
        .uri("/admin/keys/" + created.path("id").asString())
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"limits\":{\"models\":[\"another-model\"]}}")
        .exchange()
        .expectStatus()
        .isOk();
    long changedAt = System.nanoTime();

    int status = 200;
    while (System.nanoTime() - changedAt < Duration.ofSeconds(1).toNanos()) {
      status = status(secondPort, key);
      if (status == 403) {
        break;
      }
      Thread.sleep(20);
    }
    assertThat(status).as("the second instance's answer within 1 s of the change").isEqualTo(403);
  }

  private static int status(int port, String key) {
    return AdminApiTest.client(port)
        .post()
        .uri("/v1/chat/completions")
        .header("Authorization", "Bearer " + key)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(AdminApiTest.CHAT)
        .exchange()
        .returnResult(byte[].class)
        .getStatus()
        .value();
  }
}
