package org.jzeo.cache;

import java.nio.file.Path;

import org.jzeo.api.Oid;
import org.jzeo.api.Tid;

/**
 * Run in a child JVM by {@link CrashTest}: fills a persistent cache, sets the last tid, prints
 * "ready", then either waits (mode {@code idle}) or keeps committing (mode {@code churn}) until it
 * is killed with SIGKILL.
 */
public final class CrashChild {
    static final long SIZE = 4L << 20;
    static final int CHURN_OIDS = 200;
    static final int PER_ROUND = 10;

    private CrashChild() {
    }

    /** The oids written in churn round {@code k} (k >= 2), all distinct. */
    static Oid churnOid(int n, long k, int j) {
        return Data.oid(n + (int) ((k * 7 + j * 13) % CHURN_OIDS));
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String mode = args[1];
        int n = Integer.parseInt(args[2]);
        ClientCache c = ClientCache.open(ClientCacheConfig.persistent(SIZE, dir, "crash"));
        for (int i = 0; i < n; i++) {
            c.store(Data.oid(i), Data.tid(1), null, Data.of(Data.oid(i), Data.tid(1)));
        }
        c.setLastTid(Data.tid(1));
        System.out.println("ready");
        System.out.flush();
        if (mode.equals("idle")) {
            System.in.read(); // never returns: the parent kills us
            return;
        }
        for (long k = 2;; k++) {
            Tid t = Data.tid(k);
            for (int j = 0; j < PER_ROUND; j++) {
                Oid o = churnOid(n, k, j);
                c.invalidate(o, t);
                c.store(o, t, null, Data.of(o, t));
            }
            c.setLastTid(t);
        }
    }
}
