/**
 * Health of what the gateway depends on, for the actuator's probes: {@code redis} (holds, balances:
 * nothing can be reserved without it, so readiness follows it) and {@code postgres} (the ledger:
 * requests go on while it is away, the outbox holds their charges, so only the overall health shows
 * it). Liveness depends on neither.
 */
@NullMarked
package dev.tollgate.gateway.health;

import org.jspecify.annotations.NullMarked;
