package dev.tollgate.gateway.billing;

import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.billing.pricing.CostCalculator;
import dev.tollgate.billing.pricing.ModelPrice;
import dev.tollgate.billing.pricing.Nanos;
import dev.tollgate.billing.pricing.PriceVersion;
import dev.tollgate.gateway.config.GatewayProperties;
import dev.tollgate.gateway.config.GatewayProperties.Model;
import dev.tollgate.gateway.config.GatewayProperties.Price;
import dev.tollgate.gateway.config.InvalidConfigurationException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The price of every configured model, in nano-units per million tokens, built from {@code
 * gateway.models[].price} and {@code markup}, and the versions set since through the admin API
 * ({@link PriceUpdates} keeps them current). A model without a price is free. Unset prices default:
 * cached input to input, reasoning to output, cache writes to 1.25 times the input price (one-hour
 * writes twice it), what Anthropic charges, so that a cache write is never sold below its cost.
 *
 * <p>Of a model's versions, the one in force is the one with the latest {@code validFrom} not after
 * now: the YAML price counts from when it was first recorded in PostgreSQL (a restart with a
 * changed YAML price is a new version), an admin price from its stated instant. A request takes a
 * {@link #snapshot()} at admission and is reserved, extended and settled at that snapshot's prices
 * however they change meanwhile.
 */
public final class PriceBook {

  private static final BigDecimal PPM = BigDecimal.valueOf(1_000_000L);

  /** A version of a price: from when it applies, and what {@code GET /v1/models} lists. */
  private record Entry(ModelPrice price, Instant validFrom, Map<String, BigDecimal> listed) {}

  /** The YAML price of each configured model, and the admin versions in force now or later. */
  private record State(Map<String, Entry> configured, Map<String, List<Entry>> admin) {}

  private volatile State state;
  private final @Nullable Instant frozenAt;

  private PriceBook(State state, @Nullable Instant frozenAt) {
    this.state = state;
    this.frozenAt = frozenAt;
  }

  private PriceBook(Map<String, ModelPrice> prices, Map<String, Map<String, BigDecimal>> listed) {
    Map<String, Entry> configured = new HashMap<>();
    prices.forEach(
        (model, price) ->
            configured.put(
                model, new Entry(price, Instant.EPOCH, listed.getOrDefault(model, Map.of()))));
    this.state = new State(Map.copyOf(configured), Map.of());
    this.frozenAt = null;
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
    Entry entry = entry(model, at());
    return entry != null ? entry.listed() : Map.of();
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
    Entry entry = entry(model, at());
    return entry != null ? entry.price() : ModelPrice.of(model, 0, 0, 0, 0, 0, 0);
  }

  /** Whether the model is configured (priced or free). */
  public boolean knows(String model) {
    return state.configured().containsKey(model);
  }

  /** The prices as they are now, frozen: what one request is charged at from admission on. */
  public PriceBook snapshot() {
    return frozenAt != null ? this : new PriceBook(state, Instant.now());
  }

  /** The YAML price of every configured model. */
  public List<ModelPrice> configured() {
    return state.configured().values().stream().map(Entry::price).toList();
  }

  /** Dates each model's YAML price from when it was recorded (see {@link PriceUpdates}). */
  public synchronized void configuredFrom(Map<String, Instant> recordedAt) {
    requireLive();
    Map<String, Entry> configured = new HashMap<>(state.configured());
    recordedAt.forEach(
        (model, at) ->
            configured.computeIfPresent(model, (m, e) -> new Entry(e.price(), at, e.listed())));
    state = new State(Map.copyOf(configured), state.admin());
  }

  /**
   * Replaces the admin versions with those in force now or later, as read from PostgreSQL; those of
   * models not configured here are left out.
   */
  public synchronized void useAdminVersions(Collection<PriceVersion> versions) {
    requireLive();
    Map<String, List<Entry>> admin = new HashMap<>();
    for (PriceVersion v : versions) {
      String model = v.price().model();
      if (state.configured().containsKey(model)) {
        admin
            .computeIfAbsent(model, m -> new ArrayList<>())
            .add(new Entry(v.price(), v.validFrom(), fullListing(v.price())));
      }
    }
    admin.replaceAll(
        (model, list) -> list.stream().sorted(Comparator.comparing(Entry::validFrom)).toList());
    state = new State(state.configured(), Map.copyOf(admin));
  }

  /**
   * The version in force at {@code at}: the latest admin version from before it, unless the YAML
   * price was recorded later; null for an unknown model.
   */
  private @Nullable Entry entry(String model, Instant at) {
    State s = state;
    Entry configured = s.configured().get(model);
    List<Entry> admin = s.admin().get(model);
    if (admin == null) {
      return configured;
    }
    Entry chosen = configured;
    for (Entry e : admin) {
      if (!e.validFrom().isAfter(at)
          && (chosen == null || !e.validFrom().isBefore(chosen.validFrom()))) {
        chosen = e;
      }
    }
    return chosen;
  }

  private Instant at() {
    return frozenAt != null ? frozenAt : Instant.now();
  }

  private void requireLive() {
    if (frozenAt != null) {
      throw new IllegalStateException("a snapshot's prices do not change");
    }
  }

  /** Every price of an admin version, markup included, in {@link #listed}'s order. */
  private static Map<String, BigDecimal> fullListing(ModelPrice price) {
    Map<String, BigDecimal> out = new LinkedHashMap<>();
    long markup = price.markupPpm();
    out.put("input", withMarkup(price.inputPerMillion(), markup));
    out.put("cached_input", withMarkup(price.cachedInputPerMillion(), markup));
    out.put("output", withMarkup(price.outputPerMillion(), markup));
    out.put("reasoning", withMarkup(price.reasoningPerMillion(), markup));
    out.put("cache_write", withMarkup(price.cacheWritePerMillion(), markup));
    out.put("cache_write_1h", withMarkup(price.cacheWrite1hPerMillion(), markup));
    out.put("request", withMarkup(price.perRequest(), markup));
    return Collections.unmodifiableMap(out);
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
