package org.jzeo.cache.internal;

import org.jzeo.api.Tid;

/**
 * One cached revision in memory, and where its record lives in the log (segment, generation), so
 * eviction can tell whether a segment still holds it. Immutable except {@link #referenced}.
 */
final class Rev {
    final Tid start;
    /** {@code null} for the current revision. */
    final Tid end;
    /** Never handed out: loads return copies. */
    final byte[] data;
    final int seg;
    final long gen;
    /** Record size in the log, what the size bound counts. */
    final int size;
    /**
     * Set by hits, cleared when the record is moved forward: the second chance of the eviction
     * policy. A plain field on purpose: a lost update only costs one second chance, while a volatile
     * write on every hit would make readers of a hot object contend for its cache line.
     */
    boolean referenced;

    Rev(Tid start, Tid end, byte[] data, int seg, long gen, int size) {
        this.start = start;
        this.end = end;
        this.data = data;
        this.seg = seg;
        this.gen = gen;
        this.size = size;
    }

    /** The same record made non-current (its log record stays where it is). */
    Rev withEnd(Tid newEnd) {
        Rev r = new Rev(start, newEnd, data, seg, gen, size);
        r.referenced = referenced;
        return r;
    }

    /** The same revision re-written at another place in the log. */
    Rev movedTo(int newSeg, long newGen) {
        return new Rev(start, end, data, newSeg, newGen, size);
    }

    boolean livesIn(int s, long g) {
        return seg == s && gen == g;
    }
}
