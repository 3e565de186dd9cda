/**
 * Metering: the usage record every finished request yields, and the sink that billing consumes it
 * through.
 */
@NullMarked
package dev.tollgate.billing.metering;

import org.jspecify.annotations.NullMarked;
