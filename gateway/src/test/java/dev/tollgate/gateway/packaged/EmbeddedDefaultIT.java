package dev.tollgate.gateway.packaged;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Json;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The packaged jar with no configuration at all, as the README's quick start runs it: it starts its
 * embedded Redis and PostgreSQL, prints a key, serves the mock models, and keeps what was charged
 * across a restart in the same working directory.
 */
class EmbeddedDefaultIT {

  @Test
  void aChargeMadeBeforeARestartIsInTheBalanceAfterIt() throws Exception {
    // Under target/, not a JUnit @TempDir: as root without user namespaces PostgreSQL runs as
    // nobody, who cannot enter a private temporary directory.
    Path workingDirectory = Path.of("target", "embedded-default-it").toAbsolutePath();
    deleteRecursively(workingDirectory);
    Files.createDirectories(workingDirectory);

    BigDecimal before;
    BigDecimal cost;
    try (GatewayProcess gateway =
        GatewayProcess.start("embedded-default-1", workingDirectory, Map.of())) {
      assertThat(gateway.output()).contains("Embedded Redis up", "Embedded PostgreSQL up");
      String key = gateway.generatedKey().orElseThrow();
      before = balance(gateway, key);

      HttpResponse<String> response =
          gateway.post(
              "/v1/chat/completions",
              key,
              """
              {"model":"mock-fast","stream":true,"stream_options":{"include_usage":true},
               "messages":[{"role":"user","content":"Hello!"}]}""");
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      assertThat(response.body()).endsWith("data: [DONE]\n\n");
      cost = usageCost(response.body());
      assertThat(cost).isPositive();

      assertThat(gateway.stop()).as("exit code after SIGTERM").isEqualTo(143);
      assertThat(gateway.errors()).as("ERROR lines").isEmpty();
    }
    Path data = workingDirectory.resolve("tollgate-data");
    assertThat(data.resolve("postgres/postmaster.pid")).as("PostgreSQL stopped").doesNotExist();
    assertThat(data.resolve("redis/redis.pid")).as("Redis stopped").doesNotExist();

    try (GatewayProcess gateway =
        GatewayProcess.start("embedded-default-2", workingDirectory, Map.of())) {
      String key = gateway.generatedKey().orElseThrow();
      assertThat(balance(gateway, key)).isEqualByComparingTo(before.subtract(cost));
      assertThat(gateway.stop()).as("exit code after SIGTERM").isEqualTo(143);
    }
  }

  private static BigDecimal balance(GatewayProcess gateway, String key) throws Exception {
    HttpResponse<String> account = gateway.get("/v1/account", key);
    assertThat(account.statusCode()).as(account.body()).isEqualTo(200);
    return Json.MAPPER.readTree(account.body()).get("balance").decimalValue();
  }

  /** {@code usage.cost} of the stream's usage chunk. */
  private static BigDecimal usageCost(String sse) {
    return sse.lines()
        .filter(l -> l.startsWith("data: {"))
        .map(l -> Json.MAPPER.readTree(l.substring("data: ".length())))
        .map(event -> event.get("usage"))
        .filter(usage -> usage != null && !usage.isNull())
        .map(usage -> usage.get("cost"))
        .map(JsonNode::decimalValue)
        .reduce((first, last) -> last)
        .orElseThrow(() -> new AssertionError("no usage.cost in\n" + sse));
  }

  private static void deleteRecursively(Path directory) throws IOException {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
