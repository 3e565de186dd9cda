package dev.tollgate.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.gateway.route.RoutingConfiguration;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.ConnectionFactories;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Pool sizes come from configuration: R2DBC ({@code spring.r2dbc.pool.*}) and upstream pools. */
class SizingConfigurationTest {

  @Test
  void theR2dbcPoolHasProductionDefaults() {
    R2dbcPoolProperties pool = bind(Map.of());
    assertThat(pool.initialSize()).isEqualTo(2);
    assertThat(pool.maxSize()).isEqualTo(10);
    assertThat(pool.maxIdleTime()).isEqualTo(Duration.ofMinutes(30));
    assertThat(pool.maxAcquireTime()).isNull();
  }

  @Test
  void theR2dbcPoolIsSizedFromSpringR2dbcPool() {
    R2dbcPoolProperties properties =
        bind(
            Map.of(
                "spring.r2dbc.pool.initial-size", "0",
                "spring.r2dbc.pool.max-size", "25",
                "spring.r2dbc.pool.max-acquire-time", "3s",
                "spring.r2dbc.pool.max-life-time", "1h"));
    assertThat(properties.maxAcquireTime()).isEqualTo(Duration.ofSeconds(3));

    ConnectionPool pool =
        new ConnectionPool(
            properties
                .applyTo(
                    ConnectionPoolConfiguration.builder(
                        ConnectionFactories.get("r2dbc:postgresql://nobody@127.0.0.1:9/none")))
                .build());
    try {
      assertThat(pool.getMetrics().orElseThrow().getMaxAllocatedSize()).isEqualTo(25);
    } finally {
      pool.dispose();
    }
  }

  @Test
  void aBadPoolSizeNamesTheProperty() {
    assertThatThrownBy(
            () ->
                bind(
                    Map.of(
                        "spring.r2dbc.pool.initial-size", "20",
                        "spring.r2dbc.pool.max-size", "10")))
        .isInstanceOf(BindException.class)
        .rootCause()
        .hasMessage("spring.r2dbc.pool.initial-size: 20 (expected: 0..10)");
  }

  @EnableConfigurationProperties({GatewayProperties.class, BillingProperties.class})
  static class Props {}

  @Test
  void gatewayUpstreamMaxConnectionsIsEveryProvidersDefault() {
    new ApplicationContextRunner()
        .withUserConfiguration(Props.class, RoutingConfiguration.class)
        .withPropertyValues(
            "gateway.dev-keys[0]=sk-gw-test-0123456789abcdef",
            "gateway.providers.up.type=openai",
            "gateway.providers.up.base-url=http://127.0.0.1:9/v1",
            "gateway.upstream.max-connections=0")
        .run(
            context ->
                assertThat(context.getStartupFailure())
                    .rootCause()
                    .hasMessageContaining("max-connections: 0 (expected: > 0)"));
  }

  private static R2dbcPoolProperties bind(Map<String, String> properties) {
    return new Binder(new MapConfigurationPropertySource(properties))
        .bindOrCreate("spring.r2dbc.pool", R2dbcPoolProperties.class);
  }
}
