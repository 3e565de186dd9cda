package dev.tollgate.gateway.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.billing.pricing.ModelPrice;
import dev.tollgate.billing.pricing.PriceVersion;
import dev.tollgate.gateway.config.GatewayProperties;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** Which of a model's price versions is in force, and a request's frozen snapshot. */
class PriceBookTest {

  private static final long UNIT = 1_000_000_000L;

  private static PriceBook book() {
    GatewayProperties properties =
        new Binder(
                new MapConfigurationPropertySource(
                    Map.of(
                        "gateway.models[0].id", "m",
                        "gateway.models[0].provider", "local",
                        "gateway.models[0].price.input", "1.00",
                        "gateway.models[0].price.output", "2.00")))
            .bind("gateway", GatewayProperties.class)
            .get();
    return PriceBook.from(properties);
  }

  private static PriceVersion admin(String model, long input, Instant from) {
    return new PriceVersion(
        ModelPrice.of(model, input * UNIT, input * UNIT, 9 * UNIT, 9 * UNIT, 0, 500_000),
        from,
        PriceVersion.ADMIN,
        "admin:master-key",
        from);
  }

  @Test
  void theLatestVersionNotAfterNowIsInForce() {
    PriceBook book = book();
    ModelPrice yaml = book.price("m");
    assertThat(yaml.inputPerMillion()).isEqualTo(UNIT);
    Instant now = Instant.now();

    book.useAdminVersions(
        List.of(
            admin("m", 3, now.minusSeconds(10)),
            admin("m", 5, now.plusSeconds(3600)),
            admin("not-configured", 7, now.minusSeconds(10))));
    assertThat(book.price("m").inputPerMillion()).as("the future one waits").isEqualTo(3 * UNIT);
    assertThat(book.price("not-configured").inputPerMillion()).isZero();
    assertThat(book.listed("m"))
        .containsOnlyKeys(
            "input",
            "cached_input",
            "output",
            "reasoning",
            "cache_write",
            "cache_write_1h",
            "request");
    assertThat(book.listed("m").get("input")).isEqualByComparingTo("4.5"); // 3 with 50% markup

    // The YAML price recorded after the admin version (a restart with a changed YAML) wins.
    book.configuredFrom(Map.of("m", now.minusSeconds(5)));
    assertThat(book.price("m")).isEqualTo(yaml);
  }

  @Test
  void aSnapshotKeepsThePricesOfItsMomentWhateverChangesLater() {
    PriceBook book = book();
    PriceBook admitted = book.snapshot();
    book.useAdminVersions(List.of(admin("m", 3, Instant.now().minusSeconds(1))));
    assertThat(book.price("m").inputPerMillion()).isEqualTo(3 * UNIT);
    assertThat(admitted.price("m").inputPerMillion()).isEqualTo(UNIT);
    assertThat(admitted.snapshot()).isSameAs(admitted);
  }
}
