/**
 * Subscription allowances that renew every period: the calendar of periods ({@link
 * dev.tollgate.billing.allowance.AllowancePeriods}), the accounts due in PostgreSQL ({@link
 * dev.tollgate.billing.allowance.AllowanceRenewals}) and the renewal of both stores ({@link
 * dev.tollgate.billing.allowance.AllowanceRenewer}).
 */
@NullMarked
package dev.tollgate.billing.allowance;

import org.jspecify.annotations.NullMarked;
