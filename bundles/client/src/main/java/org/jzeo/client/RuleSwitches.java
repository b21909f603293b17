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
 * @param breakC2          drop invalidations that arrive during register/verification instead of
 *                         holding them
 * @param afterLastTidMoved called on the I/O thread right after {@code lastTransaction()} moved
 *                          to the given tid while applying an invalidation
 * @param beforeLoadCached  called on the I/O thread when a load reply for the oid arrived, before
 *                          its result is (or is not) cached
 */
record RuleSwitches(boolean breakC1, boolean breakC3, Consumer<Tid> afterLastTidMoved, Consumer<Oid> beforeLoadCached,
        boolean breakC2) {
    /** Without a C2 switch. */
    RuleSwitches(boolean breakC1, boolean breakC3, Consumer<Tid> afterLastTidMoved, Consumer<Oid> beforeLoadCached) {
        this(breakC1, breakC3, afterLastTidMoved, beforeLoadCached, false);
    }

    /** The production setting: every rule kept, no hooks. */
    static final RuleSwitches NONE = new RuleSwitches(false, false, t -> { }, o -> { });
}
