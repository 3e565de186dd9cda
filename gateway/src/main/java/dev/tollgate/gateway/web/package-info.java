@NullMarked
package dev.tollgate.gateway.web;

import org.jspecify.annotations.NullMarked;
