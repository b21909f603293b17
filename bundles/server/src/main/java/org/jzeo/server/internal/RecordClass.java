package org.jzeo.server.internal;

import java.nio.charset.StandardCharsets;

/**
 * The class name of a ZODB object record, read from the start of its class pickle
 * ({@code [PROTO n] GLOBAL module\nname\n ...}), for the {@code class_name} field Python clients
 * read from a ConflictError. Records of any other shape give {@code null}.
 */
final class RecordClass {
    private RecordClass() {
    }

    static String nameOf(byte[] record) {
        if (record == null) {
            return null;
        }
        int i = 0;
        if (record.length > 2 && (record[0] & 0xff) == 0x80) {
            i = 2; // PROTO n
        }
        if (i >= record.length || record[i] != 'c') {
            return null;
        }
        int moduleEnd = indexOf(record, i + 1);
        int nameEnd = moduleEnd < 0 ? -1 : indexOf(record, moduleEnd + 1);
        if (nameEnd < 0) {
            return null;
        }
        String module = new String(record, i + 1, moduleEnd - i - 1, StandardCharsets.UTF_8);
        String name = new String(record, moduleEnd + 1, nameEnd - moduleEnd - 1, StandardCharsets.UTF_8);
        return module + "." + name;
    }

    private static int indexOf(byte[] b, int from) {
        for (int j = from; j < b.length && j < from + 512; j++) {
            if (b[j] == '\n') {
                return j;
            }
        }
        return -1;
    }
}
