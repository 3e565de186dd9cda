package dev.tollgate.gateway.bench;

import dev.tollgate.adapter.ChatCall;
import dev.tollgate.adapter.ProviderAdapter;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamResponse;
import dev.tollgate.billing.metering.UsageSink;
import dev.tollgate.gateway.route.ModelCatalog;
import dev.tollgate.gateway.route.ModelRoute;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.config.BeanPostProcessor;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Looks inside the in-process gateway without changing its code: wraps its usage sink, to count how
 * the gateway itself saw each request end, and its adapters, to keep the cause of every upstream
 * failure (the gateway tells clients only "upstream failed"). Installed as a bean post-processor;
 * costs one counter and one operator per request.
 */
final class GatewayProbe implements BeanPostProcessor {

  private final Map<String, LongAdder> endings = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();

  @Override
  public Object postProcessAfterInitialization(Object bean, String beanName) {
    if (bean instanceof UsageSink sink) {
      return (UsageSink)
          record -> {
            count(endings, record.status().wireName() + "/" + record.source().wireName());
            sink.accept(record);
          };
    }
    if (bean instanceof ModelCatalog catalog) {
      return new ModelCatalog(
          catalog.all().stream()
              .map(
                  r ->
                      new ModelRoute(
                          r.modelId(),
                          r.deployments().stream()
                              .map(d -> d.withAdapter(new Probed(d.adapter())))
                              .toList(),
                          r.fallbacks()))
              .toList());
    }
    return bean;
  }

  /** What was counted since the last call, sorted; the counters start again from zero. */
  Map<String, Long> drainEndings() {
    return drain(endings);
  }

  Map<String, Long> drainFailures() {
    return drain(failures);
  }

  private static Map<String, Long> drain(Map<String, LongAdder> counters) {
    Map<String, Long> counted = new TreeMap<>();
    counters.forEach((k, v) -> counted.put(k, v.sumThenReset()));
    counted.values().removeIf(n -> n == 0);
    return counted;
  }

  private static void count(Map<String, LongAdder> counters, String key) {
    counters.computeIfAbsent(key, k -> new LongAdder()).increment();
  }

  /**
   * The chain of causes, outermost first ({@code Type: message <- Type: message}), each message cut
   * to its first line and its numbers replaced by N, so that failures of one kind count together.
   */
  static String causes(@Nullable Throwable e) {
    StringBuilder chain = new StringBuilder();
    for (int depth = 0; e != null && depth < 5; depth++, e = e.getCause()) {
      if (!chain.isEmpty()) {
        chain.append(" <- ");
      }
      String message = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      // numbers and quoted characters vary between failures of one kind
      message = message.replaceAll("\\d+", "N").replaceAll("\\('.' \\(code N\\)\\)", "(c)");
      if (message.length() > 120) {
        message = message.substring(0, 120) + "...";
      }
      chain.append(e.getClass().getSimpleName()).append(": ").append(message);
    }
    return chain.toString();
  }

  private final class Probed implements ProviderAdapter {
    private final ProviderAdapter adapter;

    Probed(ProviderAdapter adapter) {
      this.adapter = adapter;
    }

    @Override
    public Mono<UpstreamResponse> complete(ChatCall call) {
      return adapter.complete(call).doOnError(e -> count(failures, causes(e)));
    }

    @Override
    public Flux<UpstreamEvent> stream(ChatCall call) {
      return adapter.stream(call).doOnError(e -> count(failures, causes(e)));
    }
  }
}
