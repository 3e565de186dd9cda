/**
 * The admin API ({@code /admin/**}): accounts, credits and API keys, authenticated with the master
 * key ({@code gateway.admin.master-key}). Handlers map HTTP to billing-core calls and back.
 */
@NullMarked
package dev.tollgate.gateway.admin;

import org.jspecify.annotations.NullMarked;
