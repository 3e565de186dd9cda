/**
 * The OpenAI-compatible front end: chat completions, embeddings, models and generation lookups,
 * each handler mapping HTTP to calls and back (chat through {@code pipeline.ChatPipeline}), and
 * {@link dev.tollgate.gateway.api.OpenAiErrorHandler}, the one place that writes exceptions as
 * error bodies. Nothing below the front ends imports this package.
 */
@NullMarked
package dev.tollgate.gateway.api;

import org.jspecify.annotations.NullMarked;
