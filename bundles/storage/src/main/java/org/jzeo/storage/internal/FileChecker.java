package org.jzeo.storage.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.jzeo.api.Tid;

/**
 * Checks the structure of a {@code Data.fs} as ZODB's {@code fstest} does (filestorage-format
 * spec §9), independently of the storage's own reader: magic, transaction headers (complete,
 * increasing tids, length inside the file, status, header length), data record headers (complete,
 * {@code tloc}, inside their transaction) and redundant lengths. It stops at the first error, with
 * fstest's message; verbose output has fstest's {@code -v} / {@code -v -v} lines.
 *
 * <p>Deliberate difference: fstest accepts only the magic of the Python running it ({@code FS30}
 * on Python 3); this checker accepts {@code FS21} too.
 *
 * <p>{@link #checkLinks} goes further than fstest and verifies prev pointers and back-pointers.
 */
public final class FileChecker {
    /**
     * The outcome of a check.
     *
     * @param error the first error (fstest's message, without the file name), or {@code null}
     * @param lines the verbose lines, as fstest prints them to stdout
     */
    public record Report(String error, List<String> lines) {
        /** Whether no error was found. */
        public boolean ok() {
            return error == null;
        }
    }

    private static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message, null, false, false);
        }
    }

    private FileChecker() {
    }

    /**
     * Checks {@code path}.
     *
     * @param verbosity 0 quiet, 1 one line per transaction, 2 also one per data record
     */
    public static Report check(Path path, int verbosity) throws IOException {
        List<String> lines = new ArrayList<>();
        try (DataFile f = DataFile.openForReading(path)) {
            try {
                run(f, verbosity, lines);
                if (verbosity > 0) {
                    lines.add("no errors detected");
                }
                return new Report(null, Collections.unmodifiableList(lines));
            } catch (Failure e) {
                return new Report(e.getMessage(), Collections.unmodifiableList(lines));
            }
        }
    }

    private static String hex(Tid t) {
        return "0x" + t.toHex();
    }

    private static void run(DataFile f, int verbosity, List<String> lines) throws IOException, Failure {
        long size = f.size();
        byte[] magic = new byte[DataFsFormat.MAGIC_LENGTH];
        if (size < DataFsFormat.MAGIC_LENGTH || f.readUpTo(0, magic, 0, 4) != 4 || !DataFsFormat.knownMagic(magic)) {
            throw new Failure("invalid file header");
        }
        ReadAheadBuffer ra = new ReadAheadBuffer(f);
        long pos = DataFsFormat.MAGIC_LENGTH;
        Tid ltid = Tid.ZERO;
        int i = 0;
        while (pos < size) {
            TransactionHeader th = ra.transactionHeader(pos);
            if (th == null) {
                throw new Failure("truncated at " + pos);
            }
            if (th.tid().compareTo(ltid) <= 0) {
                throw new Failure("time-stamp reduction at " + pos + ": " + hex(th.tid()) + " <= " + hex(ltid));
            }
            ltid = th.tid();
            long tl = th.tlen();
            if (tl < 0 || tl > size - pos - 8) {
                throw new Failure("truncated possibly because of damaged records at " + pos);
            }
            byte st = th.status();
            if (st == DataFsFormat.STATUS_CHECKPOINT) {
                throw new Failure("checkpoint flag was not cleared at " + pos);
            }
            if (st != DataFsFormat.STATUS_COMMITTED && st != DataFsFormat.STATUS_UNDONE
                    && st != DataFsFormat.STATUS_PACKED) {
                throw new Failure("has invalid status '" + (char) (st & 0xff) + "' at " + pos);
            }
            if (th.headerLength() > tl) {
                throw new Failure("has an invalid transaction header at " + pos);
            }
            long tend = pos + tl;
            if (st != DataFsFormat.STATUS_UNDONE) {
                long rec = th.dataStart();
                int j = 0;
                while (rec < tend) {
                    int off = ra.fill(rec, DataFsFormat.DATA_HEADER_LENGTH);
                    if (off < 0) {
                        throw new Failure("truncated at " + rec);
                    }
                    byte[] b = ra.buffer();
                    long tloc = DataFsFormat.u64(b, off + 24);
                    int vlen = DataFsFormat.u16(b, off + 32);
                    long plen = DataFsFormat.u64(b, off + 34);
                    String oidHex = "0x" + org.jzeo.api.Oid.of(b, off).toHex();
                    long dlen = DataFsFormat.DATA_HEADER_LENGTH + (plen != 0 ? plen : 8);
                    if (vlen != 0) {
                        dlen += 16 + vlen;
                    }
                    if (tloc != pos) {
                        throw new Failure("data record exceeds transaction record at " + rec + ": tloc " + tloc
                                + " != tpos " + pos);
                    }
                    if (plen < 0 || dlen < 0) {
                        throw new Failure("has data records that extend beyond the transaction record; end at "
                                + Long.toUnsignedString(rec + dlen));
                    }
                    long recEnd = rec + dlen;
                    if (recEnd > tend) {
                        throw new Failure("has data records that extend beyond the transaction record; end at " + recEnd);
                    }
                    if (verbosity > 1) {
                        lines.add(String.format("%10d: object oid %s #%d", rec, oidHex, j));
                    }
                    j++;
                    rec = recEnd;
                }
            }
            if (f.readU64(tend) != tl) {
                throw new Failure("has inconsistent transaction length at " + tend + " (" + f.readU64(tend) + " != " + tl + ")");
            }
            if (verbosity > 0) {
                lines.add(String.format("%10d: transaction tid %s #%d ", pos, hex(th.tid()), i));
            }
            i++;
            pos = tend + 8;
        }
    }

    /**
     * Checks what fstest does not: every record's tid is its transaction's tid; every prev pointer
     * is 0 or the position of the object's previous record (0 only for an object's first record, or
     * in a packed transaction); every back-pointer points back at a record of the same object.
     * Run it on a file that {@link #check} accepts.
     *
     * @return every problem found (empty when none)
     */
    public static List<String> checkLinks(Path path) throws IOException {
        List<String> problems = new ArrayList<>();
        try (DataFile f = DataFile.openForReading(path)) {
            long size = f.size();
            ReadAheadBuffer ra = new ReadAheadBuffer(f);
            Map<Long, Long> last = new HashMap<>();
            Map<Long, Long> oidAt = new HashMap<>();
            long pos = DataFsFormat.MAGIC_LENGTH;
            while (pos < size) {
                TransactionHeader th = ra.transactionHeader(pos);
                if (th == null) {
                    break;
                }
                if (th.status() != DataFsFormat.STATUS_UNDONE) {
                    for (long rec = th.dataStart(); rec < th.end(); ) {
                        DataHeader h = ra.dataHeader(rec);
                        long oid = h.oid().value();
                        if (!h.tid().equals(th.tid())) {
                            problems.add("record at " + rec + " has tid " + h.tid() + ", its transaction " + th.tid());
                        }
                        Long prevSeen = last.get(oid);
                        if (h.prev() != 0) {
                            if (prevSeen == null || h.prev() != prevSeen) {
                                problems.add("record at " + rec + " (oid " + h.oid() + ") has prev " + h.prev()
                                        + ", expected " + (prevSeen == null ? 0 : prevSeen));
                            }
                        } else if (prevSeen != null && th.status() != DataFsFormat.STATUS_PACKED) {
                            problems.add("record at " + rec + " (oid " + h.oid() + ") has prev 0, expected " + prevSeen);
                        }
                        if (h.plen() == 0 && h.back() != 0) {
                            Long target = oidAt.get(h.back());
                            if (h.back() >= rec || target == null || target != oid) {
                                problems.add("record at " + rec + " (oid " + h.oid() + ") has a bad back-pointer " + h.back());
                            }
                        }
                        last.put(oid, rec);
                        oidAt.put(rec, oid);
                        rec += h.recordLength();
                    }
                }
                pos = th.next();
            }
        }
        return problems;
    }

    /**
     * fstest's command line: {@code [-v [-v]] FILE}. Prints the verbose lines to {@code out} and
     * {@code FILE message} to {@code err}.
     *
     * @return the exit status: 0 no errors, 1 an error, 2 bad usage
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        int verbosity = 0;
        String file = null;
        for (String a : args) {
            if (a.equals("-v")) {
                verbosity++;
            } else if (a.equals("-vv")) {
                verbosity += 2;
            } else if (file == null && !a.startsWith("-")) {
                file = a;
            } else {
                err.println("usage: fstest [-v] FILE");
                return 2;
            }
        }
        if (file == null) {
            err.println("usage: fstest [-v] FILE");
            return 2;
        }
        Report r;
        try {
            r = check(Path.of(file), verbosity);
        } catch (IOException e) {
            err.println(file + " " + e.getMessage());
            return 1;
        }
        for (String line : r.lines()) {
            out.println(line);
        }
        if (!r.ok()) {
            err.println(file + " " + r.error());
            return 1;
        }
        return 0;
    }
}
