package dev.tollgate.gateway.api;

import static dev.tollgate.gateway.support.FakeUpstream.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Json;
import dev.tollgate.billing.metering.RequestStatus;
import dev.tollgate.billing.metering.UsageRecord;
import dev.tollgate.billing.metering.UsageSource;
import dev.tollgate.gateway.support.Fixtures;
import dev.tollgate.gateway.support.GatewayTestBase;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Non-streamed completions: the upstream's body relayed as it came, metered from its usage. */
class NonStreamingTest extends GatewayTestBase {

  private static final String REQUEST =
      "{\"model\":\"fake-model\",\"stream_options\":{\"include_usage\":true},"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"What's the weather like in SF?\"}]}";

  @Test
  void relaysTheBodyAsItCameAndMetersReportedUsage() throws Exception {
    String recorded = Fixtures.read("openai/chat_completion.json");
    UPSTREAM.script(json(200, recorded));

    Raw raw = post(REQUEST);

    assertThat(raw.status()).isEqualTo(200);
    // the body as it came, but for the request's cost added to its usage
    JsonNode body = Json.MAPPER.readTree(raw.body());
    assertThat(body.path("usage").path("cost").isNumber()).isTrue();
    ((tools.jackson.databind.node.ObjectNode) body.path("usage")).remove("cost");
    assertThat(body).isEqualTo(Json.MAPPER.readTree(recorded));
    JsonNode sent = Json.MAPPER.readTree(UPSTREAM.takeBody());
    assertThat(sent.path("model").asString()).isEqualTo("upstream-model-x");
    assertThat(sent.has("stream_options")).isFalse();
    UsageRecord record = usage.take(raw.requestId());
    assertThat(record.status()).isEqualTo(RequestStatus.COMPLETED);
    assertThat(record.source()).isEqualTo(UsageSource.REPORTED);
    assertThat(record.promptTokens()).isEqualTo(14);
    assertThat(record.completionTokens()).isEqualTo(37);
    assertThat(record.streamed()).isFalse();
  }

  @Test
  void metersReasoningTokens() throws Exception {
    UPSTREAM.script(json(200, Fixtures.read("openai/chat_completion_reasoning_o3_mini.json")));

    Raw raw = post(REQUEST);

    UsageRecord record = usage.take(raw.requestId());
    assertThat(record.reasoningTokens()).isEqualTo(192);
  }

  @Test
  void anUpstream401IsA502ThatDoesNotBlameTheClientsKey() throws Exception {
    // The provider refused the gateway's own credential: the client's key was fine.
    UPSTREAM.script(json(401, Fixtures.read("openai/error_401_invalid_api_key.json")));

    Raw raw = post(REQUEST);

    assertThat(raw.status()).isEqualTo(502);
    JsonNode error = Json.MAPPER.readTree(raw.body()).path("error");
    assertThat(error.path("code").asString()).isEqualTo("upstream_auth_failed");
    assertThat(error.path("type").asString()).isEqualTo("upstream_error");
    // The provider's words (which show part of the upstream key) are not passed on.
    assertThat(error.path("message").asString())
        .contains("refused the gateway's credentials (HTTP 401)")
        .doesNotContain("sk-");
    UsageRecord record = usage.take(raw.requestId());
    assertThat(record.status()).isEqualTo(RequestStatus.UPSTREAM_ERROR);
    assertThat(record.totalTokens()).isZero();
  }

  @Test
  void anUpstreamServerErrorWithoutJsonIsStillInTheOpenAiShape() throws Exception {
    UPSTREAM.script(json(503, "<html>upstream maintenance</html>"));

    Raw raw = post(REQUEST);

    assertThat(raw.status()).isEqualTo(502);
    JsonNode error = Json.MAPPER.readTree(raw.body()).path("error");
    assertThat(error.path("message").asString())
        .isEqualTo(
            "Every deployment of model 'fake-model' failed (2 attempts); the last answered"
                + " HTTP 503: upstream answered HTTP 503");
    assertThat(error.path("type").asString()).isEqualTo("upstream_error");
  }
}
