package dev.tollgate.adapter.mock;

import dev.tollgate.adapter.ChatCall;
import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.ProviderAdapter;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import dev.tollgate.adapter.UpstreamResponse;
import dev.tollgate.adapter.tokens.TokenEstimator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * The built-in provider: answers in the OpenAI dialect with {@link MockText}, at the configured
 * pace, and reports exact usage (prompt tokens counted with the gateway's {@link TokenEstimator},
 * completion tokens as generated). It needs no network, so the quick start, the tests and load
 * tests run anywhere.
 */
public final class MockAdapter implements ProviderAdapter {

  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

  private final MockSettings settings;
  private final TokenEstimator estimator;

  public MockAdapter(MockSettings settings, TokenEstimator estimator) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.estimator = Objects.requireNonNull(estimator, "estimator");
  }

  @Override
  public Mono<UpstreamResponse> complete(ChatCall call) {
    return Mono.defer(
        () -> {
          Answer answer = answer(call);
          String text = MockText.text(answer.tokens);
          String body =
              "{\"id\":"
                  + answer.id
                  + ",\"object\":\"chat.completion\",\"created\":"
                  + answer.created
                  + ",\"model\":"
                  + answer.model
                  + ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
                  + quote(text)
                  + "},\"finish_reason\":\""
                  + answer.finishReason
                  + "\"}],"
                  + usageJson(answer)
                  + "}";
          UpstreamResponse response =
              new UpstreamResponse(body.getBytes(StandardCharsets.UTF_8), answer.usage(), text, "");
          Duration total =
              settings
                  .timeToFirstToken()
                  .plus(settings.interTokenDelay().multipliedBy(Math.max(0, answer.tokens - 1)));
          return total.isZero() ? Mono.just(response) : Mono.delay(total).thenReturn(response);
        });
  }

  @Override
  public Flux<UpstreamEvent> stream(ChatCall call) {
    return Flux.defer(
        () -> {
          Answer answer = answer(call);
          String head =
              "data: {\"id\":"
                  + answer.id
                  + ",\"object\":\"chat.completion.chunk\",\"created\":"
                  + answer.created
                  + ",\"model\":"
                  + answer.model
                  + ",\"choices\":";
          UpstreamEvent role =
              chunk(
                  head
                      + "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
                      + "\"finish_reason\":null}]}\n\n",
                  null,
                  null,
                  null,
                  Kind.CHUNK);
          // One token per delay, paced by the consumer too: a slow client slows the mock down
          // instead of overflowing it (Flux.interval would fail).
          Duration gap = settings.interTokenDelay();
          Flux<Integer> indexes =
              gap.isZero()
                  ? Flux.range(0, answer.tokens)
                  : Flux.range(0, answer.tokens)
                      .concatMap(i -> i == 0 ? Mono.just(i) : Mono.delay(gap).thenReturn(i), 1);
          Flux<UpstreamEvent> tokens =
              indexes.map(
                  i -> {
                    String token = MockText.token(i);
                    return chunk(
                        head
                            + "[{\"index\":0,\"delta\":{\"content\":\""
                            + token
                            + "\"},\"finish_reason\":null}]}\n\n",
                        token,
                        null,
                        null,
                        Kind.CHUNK);
                  });
          UpstreamEvent finish =
              chunk(
                  head
                      + "[{\"index\":0,\"delta\":{},\"finish_reason\":\""
                      + answer.finishReason
                      + "\"}]}\n\n",
                  null,
                  null,
                  answer.finishReason,
                  Kind.CHUNK);
          Flux<UpstreamEvent> tail =
              Flux.just(
                  chunk(
                      head + "[]," + usageJson(answer) + "}\n\n",
                      null,
                      answer.usage(),
                      null,
                      Kind.USAGE_ONLY),
                  UpstreamEvent.of(DONE, Kind.DONE));
          Flux<UpstreamEvent> all = Flux.concat(Mono.just(role), tokens, Mono.just(finish), tail);
          return settings.timeToFirstToken().isZero()
              ? all
              : Mono.delay(settings.timeToFirstToken()).thenMany(all);
        });
  }

  private Answer answer(ChatCall call) {
    JsonNode body = call.body();
    int tokens = settings.tokens();
    String finishReason = "stop";
    long cap = body.path("max_completion_tokens").asLong(body.path("max_tokens").asLong(0));
    if (cap > 0 && cap < tokens) {
      tokens = (int) cap;
      finishReason = "length";
    }
    long prompt = estimator.countPrompt(body);
    return new Answer(
        quote("chatcmpl-" + call.requestId()),
        System.currentTimeMillis() / 1000,
        quote(call.upstreamModel()),
        tokens,
        prompt,
        finishReason);
  }

  private static UpstreamEvent chunk(
      String json,
      @Nullable String text,
      @Nullable TokenUsage usage,
      @Nullable String finishReason,
      Kind kind) {
    return new UpstreamEvent(
        json.getBytes(StandardCharsets.UTF_8), kind, text, null, usage, finishReason);
  }

  private static String usageJson(Answer a) {
    return "\"usage\":{\"prompt_tokens\":"
        + a.promptTokens
        + ",\"completion_tokens\":"
        + a.tokens
        + ",\"total_tokens\":"
        + (a.promptTokens + a.tokens)
        + "}";
  }

  private static String quote(String s) {
    return Json.MAPPER.writeValueAsString(s);
  }

  private record Answer(
      String id, long created, String model, int tokens, long promptTokens, String finishReason) {
    TokenUsage usage() {
      return new TokenUsage(promptTokens, tokens, 0, 0);
    }
  }
}
