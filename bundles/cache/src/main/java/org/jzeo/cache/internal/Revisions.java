package org.jzeo.cache.internal;

import java.util.Arrays;

import org.jzeo.api.Tid;

/**
 * The revisions of one oid: at most one current one and the non-current ones sorted by start tid.
 * Immutable (copy on write), so readers need no lock: the writer builds a new instance and
 * publishes it through the concurrent index.
 */
final class Revisions {
    private static final Rev[] NONE = new Rev[0];

    final Rev current;
    /** Sorted by start tid, no two with the same start. */
    final Rev[] noncurrent;

    private Revisions(Rev current, Rev[] noncurrent) {
        this.current = current;
        this.noncurrent = noncurrent;
    }

    static final Revisions EMPTY = new Revisions(null, NONE);

    static Revisions of(Revisions r) {
        return r == null ? EMPTY : r;
    }

    boolean isEmpty() {
        return current == null && noncurrent.length == 0;
    }

    int count() {
        return (current == null ? 0 : 1) + noncurrent.length;
    }

    /** Index of the non-current revision starting at {@code start}, or {@code -(insertion point) - 1}. */
    private int search(Tid start) {
        int lo = 0;
        int hi = noncurrent.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = noncurrent[mid].start.compareTo(start);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -(lo + 1);
    }

    Rev noncurrentStarting(Tid start) {
        int i = search(start);
        return i >= 0 ? noncurrent[i] : null;
    }

    /** The non-current revision with the largest start before {@code before}, or null. */
    Rev noncurrentBefore(Tid before) {
        int i = search(before);
        int idx = i >= 0 ? i - 1 : -(i + 1) - 1;
        return idx >= 0 ? noncurrent[idx] : null;
    }

    /** Whether a known revision ended after {@code start}: a current revision starting there is then stale. */
    boolean endsAfter(Tid start) {
        for (Rev r : noncurrent) {
            if (r.end.compareTo(start) > 0) {
                return true;
            }
        }
        return false;
    }

    Revisions withCurrent(Rev c) {
        return new Revisions(c, noncurrent);
    }

    /** Adds (or replaces the one with the same start) a non-current revision. */
    Revisions withNoncurrent(Rev n) {
        int i = search(n.start);
        Rev[] a;
        if (i >= 0) {
            a = noncurrent.clone();
            a[i] = n;
        } else {
            int at = -(i + 1);
            a = new Rev[noncurrent.length + 1];
            System.arraycopy(noncurrent, 0, a, 0, at);
            a[at] = n;
            System.arraycopy(noncurrent, at, a, at + 1, noncurrent.length - at);
        }
        return new Revisions(current, a);
    }

    /** Without this exact revision object (no change when absent). */
    Revisions without(Rev r) {
        if (current == r) {
            return new Revisions(null, noncurrent);
        }
        for (int i = 0; i < noncurrent.length; i++) {
            if (noncurrent[i] == r) {
                Rev[] a = new Rev[noncurrent.length - 1];
                System.arraycopy(noncurrent, 0, a, 0, i);
                System.arraycopy(noncurrent, i + 1, a, i, a.length - i);
                return new Revisions(current, a);
            }
        }
        return this;
    }

    /** Replaces the exact object {@code old} by {@code r} (same role: current or non-current). */
    Revisions replace(Rev old, Rev r) {
        if (current == old) {
            return new Revisions(r, noncurrent);
        }
        Rev[] a = noncurrent.clone();
        for (int i = 0; i < a.length; i++) {
            if (a[i] == old) {
                a[i] = r;
                return new Revisions(current, a);
            }
        }
        return this;
    }

    /** Every revision, current first. */
    Rev[] all() {
        if (current == null) {
            return noncurrent;
        }
        Rev[] a = Arrays.copyOf(new Rev[] {current}, noncurrent.length + 1);
        System.arraycopy(noncurrent, 0, a, 1, noncurrent.length);
        return a;
    }
}
