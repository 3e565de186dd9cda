/** The scheduled purge of usage history older than the configured retention. */
@NullMarked
package dev.tollgate.gateway.retention;

import org.jspecify.annotations.NullMarked;
