/**
 * Money in: the payment provider's webhook ({@code POST /webhooks/payments}), signed with a shared
 * secret, recorded durably in PostgreSQL first and applied to the cached Redis balance after, and
 * the reconciler that re-applies what did not reach Redis.
 */
@NullMarked
package dev.tollgate.gateway.payments;

import org.jspecify.annotations.NullMarked;
