/**
 * The money side of a request: reserve before the upstream call, extend while it streams, settle.
 */
@NullMarked
package dev.tollgate.gateway.billing;

import org.jspecify.annotations.NullMarked;
