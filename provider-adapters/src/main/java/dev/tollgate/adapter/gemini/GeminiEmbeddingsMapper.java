package dev.tollgate.adapter.gemini;

import static dev.tollgate.adapter.gemini.GeminiErrorMapper.unsupported;

import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.UpstreamException;
import java.io.ByteArrayOutputStream;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI embeddings requests to Gemini's {@code batchEmbedContents} and its answers back.
 *
 * <p>Gemini embeds text only, so token-id inputs are refused, as is {@code encoding_format:
 * base64}; both with a 400 naming the parameter, before anything is sent. The answer is translated
 * with a streaming parser and generator: every number of every vector is copied as the text Gemini
 * sent, never through a {@code double}, and no tree of the vectors is built. Gemini reports no
 * token counts, so the translated answer carries no {@code usage}.
 */
final class GeminiEmbeddingsMapper {

  private GeminiEmbeddingsMapper() {}

  /** The Gemini path for a model: {@code /models/{model}:batchEmbedContents}. */
  static String path(String upstreamModel) {
    return "/models/" + bareModel(upstreamModel) + ":batchEmbedContents";
  }

  private static String bareModel(String upstreamModel) {
    return upstreamModel.startsWith("models/") ? upstreamModel.substring(7) : upstreamModel;
  }

  /**
   * @return the {@code BatchEmbedContentsRequest} to send, one request per input, serialized once
   * @throws UpstreamException status 400, {@code invalid_request_error}, naming the parameter that
   *     cannot be translated
   */
  static byte[] toUpstream(ObjectNode body, String upstreamModel) {
    JsonNode encoding = body.path("encoding_format");
    if (!encoding.isMissingNode() && !encoding.isNull() && !"float".equals(encoding.asString(""))) {
      throw unsupported(
          "encoding_format", "encoding_format: expected \"float\" (Gemini returns floats only)");
    }
    JsonNode dimensions = body.path("dimensions");
    boolean hasDimensions = !dimensions.isMissingNode() && !dimensions.isNull();
    if (hasDimensions
        && !(dimensions.canConvertToInt()
            && dimensions.isIntegralNumber()
            && dimensions.intValue() > 0)) {
      throw invalid("dimensions", "dimensions: " + dimensions + " (expected: a whole number > 0)");
    }
    String model = "models/" + bareModel(upstreamModel);
    ObjectNode out = Json.MAPPER.createObjectNode();
    ArrayNode requests = out.putArray("requests");
    for (String text : texts(body.path("input"))) {
      ObjectNode request = requests.addObject();
      request.put("model", model);
      request.putObject("content").putArray("parts").addObject().put("text", text);
      if (hasDimensions) {
        request.put("outputDimensionality", dimensions.intValue());
      }
    }
    return Json.MAPPER.writeValueAsBytes(out);
  }

  private static String[] texts(JsonNode input) {
    if (input.isString()) {
      return new String[] {input.asString()};
    }
    if (!input.isArray() || input.isEmpty()) {
      throw invalid("input", "input: expected a string or a non-empty array of strings");
    }
    String[] texts = new String[input.size()];
    for (int i = 0; i < texts.length; i++) {
      JsonNode item = input.get(i);
      if (item.isNumber() || item.isArray()) {
        throw unsupported("input", "input: token ids are not supported by Gemini (text only)");
      }
      if (!item.isString()) {
        throw invalid("input", "input[" + i + "]: expected a string");
      }
      texts[i] = item.asString();
    }
    return texts;
  }

  private static UpstreamException invalid(String param, String message) {
    return new UpstreamException(400, "invalid_request_error", null, param, message, null);
  }

  /**
   * Gemini's {@code {"embeddings":[{"values":[...]}, ...]}} to OpenAI's {@code
   * {"object":"list","data":[{"object":"embedding","index":i,"embedding":[...]}],"model":...}}.
   *
   * @param expected how many inputs were sent: a different number of embeddings is a protocol error
   * @throws UpstreamException 502 {@code upstream_protocol_error} when the answer is not that shape
   */
  static byte[] toOpenAi(byte[] answer, String upstreamModel, int expected) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(answer.length + 64 * expected + 64);
    try (JsonParser in = Json.MAPPER.createParser(answer);
        JsonGenerator out = Json.MAPPER.createGenerator(bytes)) {
      if (in.nextToken() != JsonToken.START_OBJECT) {
        throw protocol("expected a JSON object");
      }
      out.writeStartObject();
      out.writeStringProperty("object", "list");
      out.writeArrayPropertyStart("data");
      int count = -1;
      while (in.nextToken() == JsonToken.PROPERTY_NAME) {
        String name = in.currentName();
        JsonToken value = in.nextToken();
        if ("embeddings".equals(name) && value == JsonToken.START_ARRAY) {
          count = copyEmbeddings(in, out);
        } else {
          in.skipChildren();
        }
      }
      if (count != expected) {
        throw protocol(
            count < 0 ? "no embeddings array" : count + " embeddings for " + expected + " inputs");
      }
      out.writeEndArray();
      out.writeStringProperty("model", bareModel(upstreamModel));
      out.writeEndObject();
    } catch (JacksonException e) {
      throw UpstreamException.protocol("Gemini sent an embeddings answer that is not JSON", e);
    }
    return bytes.toByteArray();
  }

  private static int copyEmbeddings(JsonParser in, JsonGenerator out) {
    int index = 0;
    while (in.nextToken() == JsonToken.START_OBJECT) {
      boolean copied = false;
      while (in.nextToken() == JsonToken.PROPERTY_NAME) {
        String name = in.currentName();
        JsonToken value = in.nextToken();
        if ("values".equals(name) && value == JsonToken.START_ARRAY && !copied) {
          out.writeStartObject();
          out.writeStringProperty("object", "embedding");
          out.writeNumberProperty("index", index);
          out.writeArrayPropertyStart("embedding");
          copyNumbers(in, out);
          out.writeEndArray();
          out.writeEndObject();
          copied = true;
        } else {
          in.skipChildren();
        }
      }
      if (!copied) {
        throw protocol("embeddings[" + index + "] has no values array");
      }
      index++;
    }
    if (in.currentToken() != JsonToken.END_ARRAY) {
      throw protocol("embeddings[" + index + "]: expected an object");
    }
    return index;
  }

  /** Copies one array of numbers, each as the text it was sent as. */
  private static void copyNumbers(JsonParser in, JsonGenerator out) {
    JsonToken token;
    while ((token = in.nextToken()) != JsonToken.END_ARRAY) {
      if (token != JsonToken.VALUE_NUMBER_FLOAT && token != JsonToken.VALUE_NUMBER_INT) {
        throw protocol("an embedding value is " + token + " (expected: a number)");
      }
      out.writeNumber(in.getString());
    }
  }

  private static UpstreamException protocol(String what) {
    return UpstreamException.protocol("Gemini embeddings answer: " + what, null);
  }
}
