package org.jzeo.storage.internal;

import org.jzeo.api.Oid;
import org.jzeo.api.Tid;

/**
 * The header of a data record (spec §4), with its position. For a record with {@code plen == 0},
 * {@link #back()} is the back-pointer (0: the object does not exist in this revision); otherwise
 * it is 0 and the data follows the header.
 *
 * @param pos  the record's position
 * @param oid  the object
 * @param tid  the enclosing transaction's tid
 * @param prev position of the previous revision of the object, 0 for none
 * @param tloc position of the enclosing transaction
 * @param vlen legacy version length (0 in every file jzeo accepts)
 * @param plen data length
 * @param back the back-pointer when {@code plen == 0}
 */
public record DataHeader(long pos, Oid oid, Tid tid, long prev, long tloc, int vlen, long plen, long back) {
    /** Length of the record on disk. */
    public long recordLength() {
        long len = DataFsFormat.DATA_HEADER_LENGTH + (plen > 0 ? plen : 8);
        if (vlen != 0) {
            len += 16 + vlen;
        }
        return len;
    }

    /** Where the data (or the back-pointer) starts. */
    public long dataPos() {
        return pos + DataFsFormat.DATA_HEADER_LENGTH + (vlen != 0 ? 16 + vlen : 0);
    }

    /** Whether the record holds its own data. */
    public boolean hasData() {
        return plen > 0;
    }

    /** Whether the record says the object does not exist (plen 0, back-pointer 0). */
    public boolean isDeletion() {
        return plen == 0 && back == 0;
    }
}
