/**
 * Reading JSON request bodies with a size limit and checking their fields, for every front end
 * (data plane, admin, account, payments). Depends only on {@code error}.
 */
@NullMarked
package dev.tollgate.gateway.json;

import org.jspecify.annotations.NullMarked;
