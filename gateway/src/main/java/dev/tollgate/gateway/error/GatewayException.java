package dev.tollgate.gateway.error;

import org.jspecify.annotations.Nullable;

/**
 * A request the gateway refuses, with everything the OpenAI error shape needs. Thrown (as an error
 * signal) anywhere on the request path; {@code api.OpenAiErrorHandler} writes it.
 */
public final class GatewayException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int status;
  private final String type;
  private final @Nullable String code;
  private final @Nullable String param;

  public GatewayException(
      int status, String type, @Nullable String code, @Nullable String param, String message) {
    super(message, null, false, false);
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = param;
  }

  public static GatewayException badRequest(@Nullable String param, String message) {
    return new GatewayException(400, "invalid_request_error", null, param, message);
  }

  public static GatewayException invalidJson() {
    return new GatewayException(
        400,
        "invalid_request_error",
        "invalid_json",
        null,
        "We could not parse the JSON body of your request: expected a JSON object.");
  }

  public static GatewayException tooLarge(long limitBytes) {
    return new GatewayException(
        413,
        "invalid_request_error",
        "request_too_large",
        null,
        "Request body is larger than " + limitBytes + " bytes.");
  }

  public static GatewayException unknownModel(String model) {
    return new GatewayException(
        404,
        "invalid_request_error",
        "model_not_found",
        "model",
        "The model '" + model + "' does not exist or you do not have access to it.");
  }

  /** 400: the model exists but none of its deployments serves this endpoint. */
  public static GatewayException modelNotSupported(String model, String endpoint) {
    return new GatewayException(
        400,
        "invalid_request_error",
        "model_not_supported",
        "model",
        "The model '" + model + "' has no " + endpoint + " endpoint.");
  }

  /** 402, never 429: SDKs retry a 429, and retrying does not add funds. */
  public static GatewayException insufficientBalance(String needed, String available) {
    return new GatewayException(
        402,
        "insufficient_balance",
        "insufficient_balance",
        null,
        "Your balance is too low for this request: it may cost up to "
            + needed
            + ", and "
            + available
            + " is available. Top up your account or lower max_tokens.");
  }

  /**
   * 403, not 402 or 429: the account may have funds (402 would send the client to top up) and
   * waiting does not help (429 is retried by SDKs); only raising the key's cap does.
   */
  public static GatewayException spendCapReached(String needed, String left) {
    return new GatewayException(
        403,
        "permission_error",
        "spend_cap_reached",
        null,
        "This API key has reached its spend cap: the request may cost up to "
            + needed
            + ", and "
            + left
            + " of the cap is left. Raise the key's spend cap or use another key.");
  }

  /** Billing's store could not be reached: nothing is served unpaid. */
  public static GatewayException billingUnavailable() {
    return new GatewayException(
        503,
        "service_unavailable",
        "billing_unavailable",
        null,
        "The gateway cannot reserve funds right now; please retry shortly.");
  }

  /** The store of API keys could not be reached: no key is trusted unchecked. */
  public static GatewayException authUnavailable() {
    return new GatewayException(
        503,
        "service_unavailable",
        "auth_unavailable",
        null,
        "The gateway cannot check API keys right now; please retry shortly.");
  }

  public static GatewayException notFound(String message) {
    return new GatewayException(404, "invalid_request_error", "not_found", null, message);
  }

  public static GatewayException unauthorized(String message) {
    return new GatewayException(401, "invalid_request_error", "unauthorized", null, message);
  }

  public static GatewayException accountInactive() {
    return new GatewayException(
        403, "permission_error", "account_inactive", null, "This account may not make requests.");
  }

  public static GatewayException missingKey() {
    return new GatewayException(
        401,
        "invalid_request_error",
        "missing_api_key",
        null,
        "You didn't provide an API key. Send it as 'Authorization: Bearer <key>' or 'x-api-key'.");
  }

  public static GatewayException invalidKey() {
    return new GatewayException(
        401, "invalid_request_error", "invalid_api_key", null, "Incorrect API key provided.");
  }

  public int status() {
    return status;
  }

  public String type() {
    return type;
  }

  public @Nullable String code() {
    return code;
  }

  public @Nullable String param() {
    return param;
  }
}
