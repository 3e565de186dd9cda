/**
 * The control plane's persistence: API keys, usage and ledger history, payments, retention and
 * account deletion, in PostgreSQL through R2DBC. No prompt or completion text is read or written
 * here.
 */
@NullMarked
package dev.tollgate.billing.accounts;

import org.jspecify.annotations.NullMarked;
