/**
 * Errors as clients see them: {@link dev.tollgate.gateway.error.GatewayException} (a refusal with
 * everything the OpenAI error shape needs, thrown anywhere on the request path) and the writers of
 * the OpenAI and Anthropic error bodies. A leaf: it imports nothing else of the gateway.
 */
@NullMarked
package dev.tollgate.gateway.error;

import org.jspecify.annotations.NullMarked;
