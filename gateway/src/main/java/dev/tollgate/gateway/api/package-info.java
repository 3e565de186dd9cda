@NullMarked
package dev.tollgate.gateway.api;

import org.jspecify.annotations.NullMarked;
