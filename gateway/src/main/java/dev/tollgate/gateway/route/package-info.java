@NullMarked
package dev.tollgate.gateway.route;

import org.jspecify.annotations.NullMarked;
