package org.jzeo.client;

import java.util.function.Consumer;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;

/**
 * Test-only switches, passed to {@link ClientStorage}'s package-private constructor (never global):
 * each {@code break...} flag breaks the ordering rule it names so a race test can prove that it
 * fails without the rule; the hooks let a test hold the I/O thread at the point where the race
 * window is.
 *
 * @param breakC1          move {@code lastTransaction()} before the invalidations are applied
 * @param breakC3          cache a load result as current even when an invalidation of its oid
 *                         arrived while the load was in flight
 * @param afterLastTidMoved called on the I/O thread right after {@code lastTransaction()} moved
 *                          to the given tid while applying an invalidation
 * @param beforeLoadCached  called on the I/O thread when a load reply for the oid arrived, before
 *                          its result is (or is not) cached
 */
record RuleSwitches(boolean breakC1, boolean breakC3, Consumer<Tid> afterLastTidMoved, Consumer<Oid> beforeLoadCached) {
    /** The production setting: every rule kept, no hooks. */
    static final RuleSwitches NONE = new RuleSwitches(false, false, t -> { }, o -> { });
}
