package dev.tollgate.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.auth.DevKeysConfiguration;
import dev.tollgate.gateway.route.RoutingConfiguration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Bad configuration stops start-up with a message that names the bad value. */
class ConfigurationValidationTest {

  @EnableConfigurationProperties({GatewayProperties.class, BillingProperties.class})
  static class Props {}

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withUserConfiguration(
              Props.class, RoutingConfiguration.class, DevKeysConfiguration.class)
          .withPropertyValues(
              "gateway.dev-keys[0]=sk-gw-test-0123456789abcdef",
              "gateway.providers.local.type=mock",
              "gateway.providers.up.type=openai",
              "gateway.providers.up.base-url=http://127.0.0.1:9/v1");

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "gateway.providers.x.type=nope | gateway.providers.x.type: 'nope' (expected one of: [anthropic, gemini, mock, openai])",
        "gateway.providers.x.base-url=http://h | gateway.providers.x.type: missing (expected one of: [anthropic, gemini, mock, openai])",
        "gateway.providers.x.type=openai;gateway.providers.x.options.preset=vllm | gateway.providers.x.base-url: missing (expected: the API base URL; preset vllm has no default)",
        "gateway.models[0].provider=local | gateway.models[0].id: missing (expected: the model name clients use)",
        "gateway.models[0].id=m;gateway.models[0].provider=elsewhere | gateway.models[0].provider: 'elsewhere' (expected one of the configured providers: [local, up])",
        "gateway.models[0].id=m;gateway.models[0].provider=local;gateway.models[1].id=m;gateway.models[1].provider=local | gateway.models[1].id: 'm' is configured twice",
        "gateway.models[0].id=m;gateway.models[0].provider=local;gateway.models[0].price.output=-1 | gateway.models[0].price.output: -1 (expected: >= 0)",
        "gateway.models[0].id=m;gateway.models[0].provider=local;gateway.models[0].mock.tokens=0 | gateway.models[0].mock.tokens: 0 (expected: > 0)",
        "gateway.models[0].id=m;gateway.models[0].provider=local;gateway.models[0].mock.ttft-ms=soon | gateway.models[0].mock.ttft-ms: 'soon' (expected: a number)",
        "gateway.models[0].id=m;gateway.models[0].provider=local;gateway.models[0].context-length=0 | gateway.models[0].context-length: 0 (expected: > 0 tokens)",
        "gateway.providers.up.max-connections=0 | gateway.providers.up.max-connections: 0 (expected: > 0)",
        "gateway.providers.up.idle-timeout=0s | gateway.providers.up.idle-timeout: PT0S (expected: > 0)",
        "gateway.dev-keys[0]=short | gateway.dev-keys[0]: 5 characters (expected: at least 16)",
        "gateway.models[0].id=m;gateway.models[0].deployments[0].provider=local;gateway.models[0].deployments[0].weight=0 | gateway.models[0].deployments[0].weight: 0 (expected: > 0)",
        "gateway.models[0].id=m;gateway.models[0].deployments[0].provider=local;gateway.models[0].deployments[1].provider=elsewhere | gateway.models[0].deployments[1].provider: 'elsewhere' (expected one of the configured providers: [local, up])",
        "gateway.models[0].id=m;gateway.models[0].deployments[0].upstream-model=x | gateway.models[0].deployments[0].provider: missing (expected one of the configured providers: [local, up])",
        "gateway.models[0].id=m;gateway.models[0].provider=local;gateway.models[0].deployments[0].provider=local | gateway.models[0]: both provider/upstream-model and deployments are set (expected: one of them; provider is the short form of one deployment)",
        "gateway.models[0].id=m;gateway.models[0].provider=local;gateway.models[0].fallbacks[0]=nope | gateway.models[0].fallbacks[0]: 'nope' (expected one of the configured models: [m])",
        "gateway.models[0].id=m;gateway.models[0].provider=local;gateway.models[0].fallbacks[0]=m | gateway.models[0].fallbacks[0]: 'm' is the model itself (expected: another model's id)",
        "gateway.routing.max-attempts=0 | gateway.routing.max-attempts: 0 (expected: 1 to 10)",
        "gateway.routing.backoff.base=-1s | gateway.routing.backoff.base: PT-1S (expected: >= 0)",
        "gateway.routing.backoff.base=2s;gateway.routing.backoff.max=1s | gateway.routing.backoff.max: PT1S (expected: >= backoff.base, PT2S)",
        "gateway.routing.circuit-breaker.failure-threshold=0 | gateway.routing.circuit-breaker.failure-threshold: 0 (expected: > 0)",
        "gateway.routing.circuit-breaker.open-duration=0s | gateway.routing.circuit-breaker.open-duration: PT0S (expected: > 0)",
        "gateway.routing.circuit-breaker.half-open-probes=0 | gateway.routing.circuit-breaker.half-open-probes: 0 (expected: > 0)",
      })
  void failsStartupNamingTheBadValue(String properties, String message) {
    runner
        .withPropertyValues(properties.split(";"))
        .run(
            context -> {
              assertThat(context).hasFailed();
              Throwable failure = context.getStartupFailure();
              while (failure != null && !(failure instanceof InvalidConfigurationException)) {
                failure = failure.getCause();
              }
              assertThat(failure)
                  .as("an InvalidConfigurationException in %s", context.getStartupFailure())
                  .isNotNull()
                  .hasMessage(message);
            });
  }

  @org.junit.jupiter.api.Test
  void deploymentsWeightsAndFallbacksStart() {
    runner
        .withPropertyValues(
            "gateway.models[0].id=big",
            "gateway.models[0].deployments[0].provider=local",
            "gateway.models[0].deployments[0].weight=3",
            "gateway.models[0].deployments[1].provider=up",
            "gateway.models[0].deployments[1].upstream-model=big-v2",
            "gateway.models[0].fallbacks[0]=small",
            "gateway.models[1].id=small",
            "gateway.models[1].provider=local")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              var big = context.getBean(dev.tollgate.gateway.route.ModelCatalog.class).find("big");
              assertThat(big).isNotNull();
              assertThat(big.deployments())
                  .extracting(d -> d.provider() + "/" + d.upstreamModel() + "*" + d.weight())
                  .containsExactly("local/big*3", "up/big-v2*1");
              assertThat(big.fallbacks()).containsExactly("small");
            });
  }

  @ParameterizedTest
  @CsvSource({"gateway.models[0].id=m", "gateway.models[0].id=other"})
  void aGoodConfigurationStarts(String id) {
    runner
        .withPropertyValues(id, "gateway.models[0].provider=local")
        .run(context -> assertThat(context).hasNotFailed());
  }
}
