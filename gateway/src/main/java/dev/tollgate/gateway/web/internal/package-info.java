/** Netty handlers of the HTTP server; not public API. */
@NullMarked
package dev.tollgate.gateway.web.internal;

import org.jspecify.annotations.NullMarked;
