package dev.tollgate.adapter.gemini;

import static dev.tollgate.adapter.gemini.GeminiErrorMapper.unsupported;

import dev.tollgate.adapter.ChatCall;
import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.UpstreamException;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An OpenAI chat-completions request to a Gemini {@code GenerateContentRequest}. What has no Gemini
 * counterpart is refused with a 400 naming the parameter, before anything is sent; parameters that
 * change nothing about the answer ({@code user}, {@code metadata}, {@code stream_options}, ...) are
 * ignored.
 */
public final class GeminiRequestMapper {

  /**
   * {@code reasoning_effort} as a thinking budget in tokens. {@code none} turns thinking off
   * (models that cannot, such as Gemini 2.5 Pro, answer 400); the others follow the budgets
   * Google's own OpenAI-compatible endpoint documents for low, medium and high.
   */
  static final Map<String, Integer> THINKING_BUDGETS =
      Map.of("none", 0, "minimal", 512, "low", 1024, "medium", 8192, "high", 24576);

  /** Parameters that have no Gemini counterpart; each is refused when it asks for something. */
  private static final List<String> UNSUPPORTED =
      List.of(
          "functions",
          "function_call",
          "logit_bias",
          "top_logprobs",
          "audio",
          "prediction",
          "web_search_options");

  private GeminiRequestMapper() {}

  /** The Gemini path for a model: {@code /models/{model}:generateContent} or the streaming one. */
  public static String path(String upstreamModel, boolean stream) {
    String model = upstreamModel.startsWith("models/") ? upstreamModel.substring(7) : upstreamModel;
    return "/models/" + model + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
  }

  /**
   * @return the request body to send, serialized once
   * @throws UpstreamException status 400, {@code invalid_request_error}, naming the parameter that
   *     cannot be translated
   */
  public static byte[] toUpstream(ChatCall call) {
    return Json.MAPPER.writeValueAsBytes(toGemini(call.body()));
  }

  static ObjectNode toGemini(ObjectNode body) {
    for (String param : UNSUPPORTED) {
      JsonNode value = body.path(param);
      if (!value.isMissingNode() && !value.isNull() && !(value.isContainer() && value.isEmpty())) {
        throw unsupported(param, param + ": not supported by Gemini models");
      }
    }
    if (body.path("logprobs").asBoolean(false)) {
      throw unsupported("logprobs", "logprobs: not supported by Gemini models");
    }
    JsonNode modalities = body.path("modalities");
    for (JsonNode modality : modalities) {
      if (!modality.asString("").equals("text")) {
        throw unsupported("modalities", "modalities: expected only \"text\"");
      }
    }
    ObjectNode out = Json.MAPPER.createObjectNode();
    GeminiContentMapper.map(body.path("messages"), out);
    ArrayNode tools = GeminiToolMapper.tools(body.path("tools"));
    if (!tools.isEmpty()) {
      out.set("tools", tools);
    }
    JsonNode toolChoice = body.path("tool_choice");
    if (!toolChoice.isMissingNode() && !toolChoice.isNull()) {
      out.putObject("toolConfig")
          .set("functionCallingConfig", GeminiToolMapper.functionCallingConfig(toolChoice));
    }
    ObjectNode config = generationConfig(body);
    if (!config.isEmpty()) {
      out.set("generationConfig", config);
    }
    return out;
  }

  private static ObjectNode generationConfig(ObjectNode body) {
    ObjectNode config = Json.MAPPER.createObjectNode();
    copyNumber(body, "temperature", config, "temperature");
    copyNumber(body, "top_p", config, "topP");
    copyNumber(body, "presence_penalty", config, "presencePenalty");
    copyNumber(body, "frequency_penalty", config, "frequencyPenalty");
    copyInteger(body, "seed", config, "seed", false);
    copyInteger(body, "max_tokens", config, "maxOutputTokens", true);
    copyInteger(body, "max_completion_tokens", config, "maxOutputTokens", true); // wins
    JsonNode n = body.path("n");
    if (!n.isMissingNode() && !n.isNull() && !(n.isIntegralNumber() && n.asLong() == 1)) {
      throw unsupported("n", "n: " + n + " (expected: 1; Gemini adapter returns one choice)");
    }
    JsonNode stop = body.path("stop");
    if (stop.isString()) {
      config.putArray("stopSequences").add(stop.asString());
    } else if (stop.isArray()) {
      ArrayNode sequences = config.putArray("stopSequences");
      for (JsonNode s : stop) {
        if (!s.isString()) {
          throw unsupported("stop", "stop: expected a string or an array of strings");
        }
        sequences.add(s.asString());
      }
    } else if (!stop.isMissingNode() && !stop.isNull()) {
      throw unsupported("stop", "stop: expected a string or an array of strings");
    }
    responseFormat(body.path("response_format"), config);
    JsonNode effort = body.path("reasoning_effort");
    if (!effort.isMissingNode() && !effort.isNull()) {
      Integer budget = THINKING_BUDGETS.get(effort.asString(""));
      if (budget == null) {
        throw unsupported(
            "reasoning_effort",
            "reasoning_effort: " + effort + " (expected: none, minimal, low, medium or high)");
      }
      ObjectNode thinking = config.putObject("thinkingConfig");
      thinking.put("thinkingBudget", budget);
      if (budget > 0) {
        thinking.put("includeThoughts", true);
      }
    }
    return config;
  }

  /**
   * {@code json_object} asks for JSON; {@code json_schema} also passes the schema, as JSON Schema
   * ({@code responseJsonSchema}), so it needs no translation to Gemini's OpenAPI subset.
   */
  private static void responseFormat(JsonNode format, ObjectNode config) {
    if (format.isMissingNode() || format.isNull()) {
      return;
    }
    String type = format.path("type").asString("");
    switch (type) {
      case "text" -> {}
      case "json_object" -> config.put("responseMimeType", "application/json");
      case "json_schema" -> {
        JsonNode schema = format.path("json_schema").path("schema");
        if (!schema.isObject()) {
          throw unsupported(
              "response_format.json_schema.schema",
              "response_format.json_schema.schema: expected a JSON Schema object");
        }
        config.put("responseMimeType", "application/json");
        config.set("responseJsonSchema", schema);
      }
      default ->
          throw unsupported(
              "response_format.type",
              "response_format.type: '" + type + "' (expected: text, json_object or json_schema)");
    }
  }

  private static void copyNumber(ObjectNode body, String from, ObjectNode config, String to) {
    JsonNode value = body.path(from);
    if (value.isMissingNode() || value.isNull()) {
      return;
    }
    if (!value.isNumber()) {
      throw unsupported(from, from + ": " + value + " (expected: a number)");
    }
    config.set(to, value);
  }

  private static void copyInteger(
      ObjectNode body, String from, ObjectNode config, String to, boolean positive) {
    JsonNode value = body.path(from);
    if (value.isMissingNode() || value.isNull()) {
      return;
    }
    if (!value.isIntegralNumber() || (positive && value.asLong() <= 0)) {
      throw unsupported(
          from,
          from
              + ": "
              + value
              + (positive ? " (expected: an integer > 0)" : " (expected: an integer)"));
    }
    config.set(to, value);
  }
}
