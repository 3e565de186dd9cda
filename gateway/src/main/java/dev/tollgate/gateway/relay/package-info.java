@NullMarked
package dev.tollgate.gateway.relay;

import org.jspecify.annotations.NullMarked;
