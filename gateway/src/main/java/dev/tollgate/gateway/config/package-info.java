@NullMarked
package dev.tollgate.gateway.config;

import org.jspecify.annotations.NullMarked;
