package dev.tollgate.adapter.anthropic;

import static dev.tollgate.adapter.anthropic.Rejections.describe;
import static dev.tollgate.adapter.anthropic.Rejections.invalid;
import static dev.tollgate.adapter.anthropic.Rejections.string;
import static dev.tollgate.adapter.anthropic.Rejections.unsupported;

import dev.tollgate.adapter.ChatCall;
import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.UpstreamException;
import java.util.Map;
import java.util.Objects;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Translates an OpenAI chat-completions request into an Anthropic Messages request. What has no
 * Anthropic equivalent and would change the answer ({@code n > 1}, {@code logprobs}, JSON response
 * formats, audio, {@code logit_bias}) is refused with a 400 naming the parameter, before anything
 * is sent. Sampling hints without an equivalent ({@code seed}, {@code presence_penalty}, {@code
 * frequency_penalty}) and unknown fields are left out.
 */
public final class AnthropicRequestMapper {

  /**
   * {@code reasoning_effort} as an extended-thinking budget. Anthropic's minimum budget is 1024;
   * the steps roughly follow the reasoning-token counts OpenAI models spend per effort level.
   * {@code none} turns thinking off.
   */
  public static final Map<String, Integer> THINKING_BUDGETS =
      Map.of("minimal", 1024, "low", 2048, "medium", 8192, "high", 16384);

  private AnthropicRequestMapper() {}

  /** The request body to send, serialized once. */
  public static byte[] toUpstream(ChatCall call, boolean stream, AnthropicOptions options) {
    return Json.MAPPER.writeValueAsBytes(toWire(call, stream, options));
  }

  /**
   * @throws UpstreamException (400, {@code invalid_request_error}) when the request cannot be
   *     translated
   */
  public static ObjectNode toWire(ChatCall call, boolean stream, AnthropicOptions options) {
    Objects.requireNonNull(call, "call");
    Objects.requireNonNull(options, "options");
    JsonNode body = call.body();
    refuseUntranslatable(body);
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("model", call.upstreamModel());
    long maxTokens = maxTokens(body, options);
    out.put("max_tokens", maxTokens); // replaced below if thinking needs more room
    AnthropicMessageMapper.map(body.path("messages"), out);
    AnthropicToolMapper.map(body, out);
    stopSequences(body.path("stop"), out);
    JsonNode temperature = body.path("temperature");
    if (!temperature.isNull() && !temperature.isMissingNode()) {
      if (!temperature.isNumber() || temperature.asDouble() < 0 || temperature.asDouble() > 1) {
        throw unsupported(
            "temperature",
            "temperature: " + temperature + " (expected: 0 to 1 for an Anthropic model)");
      }
      out.set("temperature", temperature);
    }
    JsonNode topP = body.path("top_p");
    if (!topP.isNull() && !topP.isMissingNode()) {
      if (!topP.isNumber()) {
        throw invalid("top_p", "top_p: " + describe(topP) + " (expected: a number)");
      }
      out.set("top_p", topP);
    }
    int budget = thinkingBudget(body.path("reasoning_effort"));
    if (budget > 0) {
      out.putObject("thinking").put("type", "enabled").put("budget_tokens", budget);
      if (maxTokens <= budget) {
        // Anthropic counts thinking inside max_tokens and wants room beyond the budget: the
        // client's limit then bounds the visible answer.
        out.put("max_tokens", budget + maxTokens);
      }
    }
    String user = string(body.path("user"));
    if (user != null && !user.isEmpty()) {
      out.putObject("metadata").put("user_id", user);
    }
    if (stream) {
      out.put("stream", true);
    }
    return out;
  }

  private static void refuseUntranslatable(JsonNode body) {
    JsonNode n = body.path("n");
    if (!n.isNull() && !n.isMissingNode() && !(n.isIntegralNumber() && n.asLong() == 1)) {
      throw unsupported("n", "n: " + n + " (expected: 1; Anthropic returns one choice)");
    }
    if (body.path("logprobs").asBoolean(false) || isSet(body.path("top_logprobs"))) {
      String param = body.path("logprobs").asBoolean(false) ? "logprobs" : "top_logprobs";
      throw unsupported(param, param + ": Anthropic models do not return log probabilities");
    }
    JsonNode format = body.path("response_format");
    if (isSet(format) && !"text".equals(string(format.path("type")))) {
      throw unsupported(
          "response_format",
          "response_format: " + describe(format.path("type")) + " (expected: text)");
    }
    if (isSet(body.path("audio"))) {
      throw unsupported("audio", "audio: Anthropic models do not produce audio");
    }
    for (JsonNode modality : body.path("modalities")) {
      if (!"text".equals(string(modality))) {
        throw unsupported("modalities", "modalities: " + describe(modality) + " (expected: text)");
      }
    }
    JsonNode bias = body.path("logit_bias");
    if (isSet(bias) && !bias.isEmpty()) {
      throw unsupported("logit_bias", "logit_bias: Anthropic models do not take token biases");
    }
  }

  private static boolean isSet(JsonNode node) {
    return !node.isNull() && !node.isMissingNode();
  }

  /** {@code max_completion_tokens}, or the older {@code max_tokens}, or the provider's default. */
  private static long maxTokens(JsonNode body, AnthropicOptions options) {
    for (String param : new String[] {"max_completion_tokens", "max_tokens"}) {
      JsonNode value = body.path(param);
      if (!isSet(value)) {
        continue;
      }
      if (!value.isIntegralNumber() || value.asLong() <= 0) {
        throw invalid(param, param + ": " + value + " (expected: a whole number > 0)");
      }
      return value.asLong();
    }
    return options.defaultMaxTokens();
  }

  private static void stopSequences(JsonNode stop, ObjectNode out) {
    if (!isSet(stop)) {
      return;
    }
    ArrayNode sequences = Json.MAPPER.createArrayNode();
    if (stop.isString()) {
      sequences.add(stop.asString());
    } else if (stop.isArray()) {
      for (JsonNode s : stop) {
        if (!s.isString()) {
          throw invalid("stop", "stop: " + describe(s) + " in the list (expected: strings)");
        }
        sequences.add(s.asString());
      }
    } else {
      throw invalid("stop", "stop: " + describe(stop) + " (expected: a string or strings)");
    }
    if (!sequences.isEmpty()) {
      out.set("stop_sequences", sequences);
    }
  }

  private static int thinkingBudget(JsonNode effort) {
    if (!isSet(effort)) {
      return 0;
    }
    String level = string(effort);
    if ("none".equals(level)) {
      return 0;
    }
    Integer budget = level == null ? null : THINKING_BUDGETS.get(level);
    if (budget == null) {
      throw invalid(
          "reasoning_effort",
          "reasoning_effort: "
              + describe(effort)
              + " (expected: none, minimal, low, medium, high)");
    }
    return budget;
  }
}
