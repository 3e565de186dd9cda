package dev.tollgate.gateway.billing;

import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.billing.pricing.CostCalculator;
import dev.tollgate.billing.pricing.ModelPrice;
import dev.tollgate.billing.pricing.Nanos;
import dev.tollgate.gateway.config.GatewayProperties;
import dev.tollgate.gateway.config.GatewayProperties.Model;
import dev.tollgate.gateway.config.GatewayProperties.Price;
import dev.tollgate.gateway.config.InvalidConfigurationException;
import java.math.BigDecimal;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The price of every configured model, in nano-units per million tokens, built once from {@code
 * gateway.models[].price} and {@code markup}. A model without a price is free. Unset prices
 * default: cached input to input, reasoning to output, cache writes to 1.25 times the input price
 * (one-hour writes twice it), what Anthropic charges, so that a cache write is never sold below its
 * cost.
 */
public final class PriceBook {

  private static final BigDecimal PPM = BigDecimal.valueOf(1_000_000L);

  private final Map<String, ModelPrice> prices;
  private final Map<String, Map<String, BigDecimal>> listed;

  private PriceBook(Map<String, ModelPrice> prices, Map<String, Map<String, BigDecimal>> listed) {
    this.prices = Map.copyOf(prices);
    this.listed = Map.copyOf(listed);
  }

  public static PriceBook from(GatewayProperties properties) {
    Map<String, ModelPrice> prices = new HashMap<>();
    Map<String, Map<String, BigDecimal>> listed = new HashMap<>();
    List<Model> models = properties.models();
    for (int i = 0; i < models.size(); i++) {
      Model model = models.get(i);
      if (model.id() == null) {
        continue; // reported by RoutingConfiguration
      }
      String at = "gateway.models[" + i + "]";
      Price p = model.price();
      long input = nanos(at + ".price.input", p == null ? null : p.input());
      long output = nanos(at + ".price.output", p == null ? null : p.output());
      prices.put(
          model.id(),
          ModelPrice.of(
              model.id(),
              input,
              p == null || p.cachedInput() == null
                  ? input
                  : nanos(at + ".price.cached-input", p.cachedInput()),
              output,
              p == null || p.reasoning() == null
                  ? output
                  : nanos(at + ".price.reasoning", p.reasoning()),
              p == null || p.cacheWrite() == null
                  ? ModelPrice.defaultCacheWrite(input)
                  : nanos(at + ".price.cache-write", p.cacheWrite()),
              p == null || p.cacheWrite1h() == null
                  ? ModelPrice.defaultCacheWrite1h(input)
                  : nanos(at + ".price.cache-write-1h", p.cacheWrite1h()),
              nanos(at + ".price.request", p == null ? null : p.request()),
              markupPpm(at + ".markup", model.markup())));
      if (p != null) {
        listed.put(model.id(), listing(p, prices.get(model.id())));
      }
    }
    return new PriceBook(prices, listed);
  }

  /**
   * The prices configured for a model, markup included, as decimals of the account currency: per
   * million tokens ({@code input}, {@code cached_input}, {@code output}, {@code reasoning}, {@code
   * cache_write}, {@code cache_write_1h}) and per request ({@code request}), in that order. Only
   * the configured ones; empty for a model without a price. What clients see in {@code GET
   * /v1/models}.
   */
  public Map<String, BigDecimal> listed(String model) {
    Map<String, BigDecimal> prices = listed.get(model);
    return prices != null ? prices : Map.of();
  }

  private static Map<String, BigDecimal> listing(Price p, ModelPrice price) {
    Map<String, BigDecimal> out = new LinkedHashMap<>();
    long markup = price.markupPpm();
    if (p.input() != null) {
      out.put("input", withMarkup(price.inputPerMillion(), markup));
    }
    if (p.cachedInput() != null) {
      out.put("cached_input", withMarkup(price.cachedInputPerMillion(), markup));
    }
    if (p.output() != null) {
      out.put("output", withMarkup(price.outputPerMillion(), markup));
    }
    if (p.reasoning() != null) {
      out.put("reasoning", withMarkup(price.reasoningPerMillion(), markup));
    }
    if (p.cacheWrite() != null) {
      out.put("cache_write", withMarkup(price.cacheWritePerMillion(), markup));
    }
    if (p.cacheWrite1h() != null) {
      out.put("cache_write_1h", withMarkup(price.cacheWrite1hPerMillion(), markup));
    }
    if (p.request() != null) {
      out.put("request", withMarkup(price.perRequest(), markup));
    }
    return Collections.unmodifiableMap(out);
  }

  /** Nano-units times {@code (1 + markup)}, as an exact decimal of the currency. */
  private static BigDecimal withMarkup(long nanos, long markupPpm) {
    BigDecimal exact =
        BigDecimal.valueOf(nanos)
            .multiply(BigDecimal.valueOf(1_000_000L + markupPpm))
            .movePointLeft(15)
            .stripTrailingZeros();
    return exact.scale() < 0 ? exact.setScale(0) : exact;
  }

  /** The price of a model; the free price for a model that has none. */
  public ModelPrice price(String model) {
    ModelPrice price = prices.get(model);
    return price != null ? price : ModelPrice.of(model, 0, 0, 0, 0, 0, 0);
  }

  /** The cost of a usage, rounded up once. */
  public static long cost(ModelPrice price, TokenUsage usage, long discountPpm) {
    return CostCalculator.cost(
        price,
        usage.promptTokens(),
        usage.cachedPromptTokens(),
        usage.cacheWriteTokens(),
        usage.cacheWrite1hTokens(),
        usage.completionTokens(),
        usage.reasoningTokens(),
        discountPpm);
  }

  private static long nanos(String at, @Nullable BigDecimal amount) {
    if (amount == null) {
      return 0;
    }
    try {
      return Nanos.parse(amount.toPlainString());
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigurationException(at + ": " + e.getMessage(), e);
    }
  }

  private static long markupPpm(String at, @Nullable BigDecimal markup) {
    if (markup == null) {
      return 0;
    }
    BigDecimal ppm = markup.multiply(PPM);
    if (markup.signum() < 0
        || ppm.stripTrailingZeros().scale() > 0
        || ppm.compareTo(BigDecimal.valueOf(ModelPrice.MAX_MARKUP_PPM)) > 0) {
      throw new InvalidConfigurationException(
          at + ": " + markup.toPlainString() + " (expected: 0 to 100 with at most 6 decimals)");
    }
    return ppm.longValueExact();
  }
}
