package dev.tollgate.adapter.gemini;

import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.UpstreamResponse;
import dev.tollgate.adapter.gemini.GeminiWire.Candidate;
import dev.tollgate.adapter.gemini.GeminiWire.FunctionCall;
import dev.tollgate.adapter.gemini.GeminiWire.Part;
import dev.tollgate.adapter.gemini.GeminiWire.Response;
import dev.tollgate.adapter.gemini.GeminiWire.Text;
import dev.tollgate.adapter.gemini.GeminiWire.Thought;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Turns a whole Gemini {@code GenerateContentResponse} into an OpenAI {@code chat.completion}. */
final class GeminiResponseMapper {

  private GeminiResponseMapper() {}

  /**
   * @param fallbackModel the {@code model} when the upstream does not name its model version
   * @throws UpstreamException when the body is not a response, holds an error or a refused prompt
   */
  static UpstreamResponse toResponse(byte[] body, String fallbackModel) {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body);
    } catch (JacksonException e) {
      throw UpstreamException.protocol("upstream sent a body that is not valid JSON", e);
    }
    if (!root.isObject()) {
      throw UpstreamException.protocol("upstream sent a body that is not a JSON object", null);
    }
    if (root.path("error").isObject()) {
      throw GeminiErrorMapper.inStream(root.path("error"));
    }
    Response response = Response.of(root);
    if (response.blockReason() != null) {
      throw GeminiErrorMapper.blocked(response.blockReason());
    }
    Candidate candidate = response.candidate();
    if (candidate == null) {
      throw UpstreamException.protocol("upstream sent a response without a candidate", null);
    }

    StringBuilder content = new StringBuilder();
    StringBuilder reasoning = new StringBuilder();
    StringBuilder metered = new StringBuilder();
    ArrayNode toolCalls = Json.MAPPER.createArrayNode();
    StringBuilder callText = new StringBuilder();
    for (Part part : candidate.parts()) {
      switch (part) {
        case Text t -> content.append(t.text());
        case Thought t -> reasoning.append(t.text());
        case FunctionCall c -> {
          String arguments = ChatChunkWriter.arguments(c);
          toolCalls.add(ChatChunkWriter.toolCall(c, ChatChunkWriter.newCallId(c)));
          callText.append(c.name()).append(arguments);
        }
      }
    }
    metered.append(content).append(callText);

    ObjectNode completion = Json.MAPPER.createObjectNode();
    completion.put("id", ChatChunkWriter.newId());
    completion.put("object", "chat.completion");
    completion.put("created", System.currentTimeMillis() / 1000);
    String model = response.modelVersion();
    completion.put("model", model == null ? fallbackModel : model);
    ObjectNode choice = completion.putArray("choices").addObject();
    choice.put("index", 0);
    ObjectNode message = choice.putObject("message");
    message.put("role", "assistant");
    if (content.isEmpty() && !toolCalls.isEmpty()) {
      message.putNull("content");
    } else {
      message.put("content", content.toString());
    }
    if (!reasoning.isEmpty()) {
      message.put("reasoning_content", reasoning.toString());
    }
    if (!toolCalls.isEmpty()) {
      message.set("tool_calls", toolCalls);
    }
    String finish = candidate.finishReason();
    choice.put(
        "finish_reason",
        GeminiWire.finishReason(finish == null ? "STOP" : finish, !toolCalls.isEmpty()));
    TokenUsage usage = response.usage() == null ? null : response.usage().toTokenUsage();
    if (usage != null) {
      completion.set("usage", ChatChunkWriter.usageJson(usage));
    }
    return new UpstreamResponse(
        Json.MAPPER.writeValueAsBytes(completion), usage, metered.toString(), reasoning.toString());
  }
}
