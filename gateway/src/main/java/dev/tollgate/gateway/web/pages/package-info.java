/**
 * The customer's web pages ({@code /chat}, {@code /dashboard}): static files served by the gateway
 * itself from memory, with their public configuration ({@code /web/config.json}). The pages call
 * the public API with the customer's own credentials; nothing they show is stored on the server.
 */
@NullMarked
package dev.tollgate.gateway.web.pages;

import org.jspecify.annotations.NullMarked;
