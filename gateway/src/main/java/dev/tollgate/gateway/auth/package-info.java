@NullMarked
package dev.tollgate.gateway.auth;

import org.jspecify.annotations.NullMarked;
