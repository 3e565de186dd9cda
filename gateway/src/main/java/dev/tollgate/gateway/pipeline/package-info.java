/**
 * The paid chat pipeline both chat front ends share ({@code api}'s chat completions, {@code
 * messages}' Anthropic Messages): route, count the prompt, admit the key, open the tab and meter,
 * call the upstream and relay. A front end plugs in as a {@link
 * dev.tollgate.gateway.pipeline.ClientDialect}.
 */
@NullMarked
package dev.tollgate.gateway.pipeline;

import org.jspecify.annotations.NullMarked;
