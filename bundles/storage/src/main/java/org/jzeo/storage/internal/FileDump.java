package org.jzeo.storage.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Prints a Data.fs in the text form of ZODB's {@code fsdump}: one {@code Trans} line per
 * transaction (tid, tlen as size, time, data start as offset), its status, user and description as
 * Python byte reprs, and one {@code data} line per record (oid, resolved data size, class, and the
 * back-pointer's transaction as {@code bp}). Stops at the first damaged or uncommitted transaction.
 */
public final class FileDump {
    private FileDump() {
    }

    /** Dumps {@code path} to {@code out}. */
    public static void dump(Path path, PrintStream out) throws IOException {
        try (DataFile f = DataFile.openForReading(path)) {
            long size = f.size();
            long pos = DataFsFormat.MAGIC_LENGTH;
            int n = 0;
            while (pos + DataFsFormat.TXN_HEADER_LENGTH <= size) {
                TransactionHeader t = f.readTransactionHeader(pos);
                if (t.statusChar() == 'c' || t.next() > size) {
                    break;
                }
                byte[] user = f.read(pos + DataFsFormat.TXN_HEADER_LENGTH, t.ulen());
                byte[] description = f.read(pos + DataFsFormat.TXN_HEADER_LENGTH + t.ulen(), t.dlen());
                out.printf("Trans #%05d tid=%s size=%d time=%s offset=%d%n", n++, t.tid().toHex(), t.tlen(),
                        t.tid().toTimeString(), t.dataStart());
                out.printf("    status=%s user=%s description=%s%n", pyRepr(new byte[] {t.status()}, false),
                        pyRepr(user, true), pyRepr(description, true));
                long p = t.dataStart();
                int j = 0;
                while (p < t.end()) {
                    DataHeader h = f.readDataHeader(p);
                    if (h.isDeletion()) {
                        out.printf("  data #%05d oid=%s class=undo or abort of object creation%n", j, h.oid().toHex());
                    } else {
                        byte[] data = f.loadData(h);
                        String[] cls = PickleReferences.classOf(data);
                        StringBuilder line = new StringBuilder(String.format("  data #%05d oid=%s size=%d class=%s.%s",
                                j, h.oid().toHex(), data.length, cls[0], cls[1]));
                        if (!h.hasData()) {
                            // The tid of the record the back-pointer names (as FileIterator's data_txn).
                            line.append(" bp=").append(f.readDataHeader(h.back()).tid().toHex());
                        }
                        out.println(line);
                    }
                    j++;
                    p += h.recordLength();
                }
                pos = t.next();
            }
        }
    }

    /** Python's repr of a bytes value ({@code b'...'}), or of a one-character str when {@code bytes} is false. */
    static String pyRepr(byte[] b, boolean bytes) {
        boolean hasSingle = false;
        boolean hasDouble = false;
        for (byte x : b) {
            hasSingle |= x == '\'';
            hasDouble |= x == '"';
        }
        char quote = hasSingle && !hasDouble ? '"' : '\'';
        StringBuilder s = new StringBuilder(bytes ? "b" : "").append(quote);
        for (byte x : b) {
            int c = x & 0xff;
            if (c == quote || c == '\\') {
                s.append('\\').append((char) c);
            } else if (c == '\t') {
                s.append("\\t");
            } else if (c == '\n') {
                s.append("\\n");
            } else if (c == '\r') {
                s.append("\\r");
            } else if (c < 0x20 || c >= 0x7f) {
                s.append(String.format("\\x%02x", c));
            } else {
                s.append((char) c);
            }
        }
        return s.append(quote).toString();
    }
}
