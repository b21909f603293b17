package org.jzeo.storage.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.jzeo.api.Oid;

/**
 * Reads the persistent references out of a ZODB object record without a Python unpickler
 * (filestorage-format spec §7).
 *
 * <p>A record is two pickles written by one pickler: the class pickle, then the state pickle,
 * sharing one memo, so both are run as one stream with one memo table. The scanner is a "noload"
 * stack machine (§7.3): it builds nothing but the few values the reference rule needs (bytes,
 * text, tuples, lists) and treats everything else as opaque. Every persistent id (the operand of
 * {@code BINPERSID} or {@code PERSID}) is collected; the strong references are then, in order:
 * the first element of an {@code (oid, class)} tuple, or a bare oid. Lists (weak references
 * {@code ['w', ...]}, cross-database references {@code ['m', ...]}/{@code ['n', ...]}, legacy
 * {@code [oid]}) are skipped (§7.2).
 *
 * <p>Anything the scanner cannot account for (an unknown opcode, a truncated operand, a stack
 * underflow, a missing memo slot, bytes after the second pickle, a persistent id of an unexpected
 * shape, an oid that is not 8 bytes) raises {@link UnreadableRecordException}, so that a pack's
 * garbage collection refuses to delete instead of dropping references silently.
 */
public final class PickleReferences {

    private PickleReferences() {
    }

    /**
     * The strong references of a record, in the order ZODB's {@code referencesf} gives them
     * (duplicates kept).
     *
     * @param record the whole object record (class pickle + state pickle)
     * @throws UnreadableRecordException when the record cannot be parsed
     */
    public static List<Oid> referencesOf(byte[] record) {
        if (record == null) {
            throw new UnreadableRecordException("no record (null)");
        }
        Machine m = new Machine(record);
        m.runToStop("class pickle");
        m.runToStop("state pickle");
        if (m.pos != record.length) {
            throw new UnreadableRecordException((record.length - m.pos)
                    + " unexpected bytes after the state pickle at offset " + m.pos);
        }
        List<Oid> refs = new ArrayList<>(m.persistentIds.size());
        for (Object pid : m.persistentIds) {
            Object oid;
            if (pid instanceof Tuple t) {
                if (t.items.length == 0) {
                    throw new UnreadableRecordException("persistent id is an empty tuple");
                }
                oid = t.items[0];
            } else if (pid instanceof Bytes || pid instanceof Text) {
                oid = pid;
            } else if (pid instanceof PyList) {
                continue; // weak or cross-database reference: not followed
            } else {
                throw new UnreadableRecordException("persistent id of unexpected kind: " + describe(pid));
            }
            byte[] b;
            if (oid instanceof Bytes bytes) {
                b = bytes.value;
            } else if (oid instanceof Text text) {
                b = asciiBytes(text.value);
            } else {
                throw new UnreadableRecordException("oid in a persistent id is not bytes: " + describe(oid));
            }
            if (b.length != 8) {
                throw new UnreadableRecordException("oid in a persistent id has " + b.length + " bytes, not 8");
            }
            refs.add(Oid.of(b));
        }
        return refs;
    }

    /**
     * The object's class as {@code [module, name]}, read from the class pickle the way ZODB's
     * {@code get_pickle_metadata} does: a bare class global, {@code (class, args)}, or
     * {@code ((module, name), args)}. Returns {@code ["", ""]} when the class pickle cannot be read
     * or has another shape (ZODB gives an empty pair on failure too). Never throws for bad input.
     */
    public static String[] classOf(byte[] record) {
        if (record == null) {
            return new String[] {"", ""};
        }
        Object value;
        try {
            value = new Machine(record).runToStop("class pickle");
        } catch (UnreadableRecordException e) {
            return new String[] {"", ""};
        }
        if (value instanceof Global g) {
            return new String[] {g.module, g.name};
        }
        if (value instanceof Tuple t && t.items.length > 0) {
            Object first = t.items[0];
            if (first instanceof Global g) {
                return new String[] {g.module, g.name};
            }
            if (first instanceof Tuple inner && inner.items.length == 2) {
                String module = string(inner.items[0]);
                String name = string(inner.items[1]);
                if (module != null && name != null) {
                    return new String[] {module, name};
                }
            }
            if (t.items.length == 2) {
                String module = string(t.items[0]);
                String name = string(t.items[1]);
                if (module != null && name != null) {
                    return new String[] {module, name};
                }
            }
        }
        return new String[] {"", ""};
    }

    private static String string(Object v) {
        if (v instanceof Text t) {
            return t.value;
        }
        if (v instanceof Bytes b) {
            return new String(b.value, StandardCharsets.ISO_8859_1);
        }
        return null;
    }

    private static byte[] asciiBytes(String s) {
        byte[] out = new byte[s.length()];
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 0x7f) {
                throw new UnreadableRecordException("text oid in a persistent id is not ASCII");
            }
            out[i] = (byte) c;
        }
        return out;
    }

    private static String describe(Object v) {
        if (v == null) {
            return "nothing";
        }
        return v.getClass().getSimpleName();
    }

    // ---------------------------------------------------------------- values of the noload machine

    /** MARK on the stack. */
    private static final Object MARK = new Object() {
        @Override
        public String toString() {
            return "Mark";
        }
    };

    /** Anything whose contents do not matter for references (numbers, None, objects, dicts). */
    private static final class Opaque {
        static final Opaque INSTANCE = new Opaque();
    }

    /** A dict (contents ignored), distinct from lists and tuples. */
    private static final class Dict {
        static final Dict INSTANCE = new Dict();
    }

    private record Bytes(byte[] value) {
    }

    private record Text(String value) {
    }

    private record Tuple(Object[] items) {
    }

    private record Global(String module, String name) {
    }

    private static final class PyList {
        final List<Object> items = new ArrayList<>();
    }

    // ---------------------------------------------------------------- the machine

    private static final class Machine {
        final byte[] data;
        int pos;
        final List<Object> stack = new ArrayList<>();
        final Map<Long, Object> memo = new HashMap<>();
        final List<Object> persistentIds = new ArrayList<>();

        Machine(byte[] data) {
            this.data = data;
        }

        UnreadableRecordException error(String what, int at) {
            return new UnreadableRecordException(what + " at offset " + at + " of a " + data.length + "-byte record");
        }

        int u8() {
            if (pos >= data.length) {
                throw error("pickle truncated", pos);
            }
            return data[pos++] & 0xff;
        }

        long uLE(int n) {
            need(n);
            long v = 0;
            for (int i = n - 1; i >= 0; i--) {
                v = (v << 8) | (data[pos + i] & 0xff);
            }
            pos += n;
            return v;
        }

        void need(long n) {
            if (n < 0 || n > data.length - pos) {
                throw error("pickle truncated (operand of " + n + " bytes)", pos);
            }
        }

        byte[] take(long n) {
            need(n);
            byte[] b = Arrays.copyOfRange(data, pos, pos + (int) n);
            pos += (int) n;
            return b;
        }

        /** A text operand up to and excluding the newline. */
        byte[] line() {
            int start = pos;
            while (pos < data.length && data[pos] != '\n') {
                pos++;
            }
            if (pos >= data.length) {
                throw error("pickle truncated (unterminated line)", start);
            }
            byte[] b = Arrays.copyOfRange(data, start, pos);
            pos++;
            return b;
        }

        String asciiLine() {
            return new String(line(), StandardCharsets.ISO_8859_1);
        }

        void push(Object v) {
            stack.add(v);
        }

        Object pop(int opAt) {
            if (stack.isEmpty()) {
                throw error("stack underflow", opAt);
            }
            Object v = stack.remove(stack.size() - 1);
            if (v == MARK) {
                throw error("unexpected mark on the stack", opAt);
            }
            return v;
        }

        Object top(int opAt) {
            if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
                throw error("stack underflow", opAt);
            }
            return stack.get(stack.size() - 1);
        }

        /** Pops everything down to (and including) the topmost mark; returns the items in order. */
        List<Object> popToMark(int opAt) {
            for (int i = stack.size() - 1; i >= 0; i--) {
                if (stack.get(i) == MARK) {
                    List<Object> items = new ArrayList<>(stack.subList(i + 1, stack.size()));
                    stack.subList(i, stack.size()).clear();
                    return items;
                }
            }
            throw error("no mark on the stack", opAt);
        }

        Object memoGet(long key, int opAt) {
            Object v = memo.get(key);
            if (v == null) {
                throw error("memo slot " + key + " not set", opAt);
            }
            return v;
        }

        long decimal(String s, int opAt) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                throw error("bad decimal operand '" + s + "'", opAt);
            }
        }

        void checkInteger(String s, int opAt) {
            String t = s.trim();
            if (t.endsWith("L")) {
                t = t.substring(0, t.length() - 1);
            }
            if (!t.matches("[+-]?[0-9]+")) {
                throw error("bad integer operand '" + s + "'", opAt);
            }
        }

        void checkFloat(String s, int opAt) {
            String t = s.trim();
            if (t.equalsIgnoreCase("nan") || t.equalsIgnoreCase("inf") || t.equalsIgnoreCase("-inf")
                    || t.equalsIgnoreCase("+inf")) {
                return;
            }
            try {
                Double.parseDouble(t);
            } catch (NumberFormatException e) {
                throw error("bad float operand '" + s + "'", opAt);
            }
        }

        /** Runs one pickle up to its STOP and returns the value it produced. */
        Object runToStop(String which) {
            if (pos >= data.length) {
                throw error("missing " + which, pos);
            }
            int stackBase = stack.size();
            while (true) {
                int at = pos;
                int op = u8();
                switch (op) {
                    case 0x28 -> push(MARK); // MARK
                    case 0x2e -> { // STOP
                        if (stack.size() != stackBase + 1 || stack.get(stackBase) == MARK) {
                            throw error(which + " ends with " + (stack.size() - stackBase)
                                    + " stack entries instead of one value", at);
                        }
                        return stack.remove(stackBase);
                    }
                    case 0x30 -> { // POP
                        if (stack.isEmpty()) {
                            throw error("stack underflow", at);
                        }
                        stack.remove(stack.size() - 1);
                    }
                    case 0x31 -> popToMark(at); // POP_MARK
                    case 0x32 -> push(top(at)); // DUP
                    case 0x46 -> { // FLOAT
                        checkFloat(asciiLine(), at);
                        push(Opaque.INSTANCE);
                    }
                    case 0x49 -> { // INT (also 00/01 booleans)
                        checkInteger(asciiLine(), at);
                        push(Opaque.INSTANCE);
                    }
                    case 0x4a -> { // BININT
                        uLE(4);
                        push(Opaque.INSTANCE);
                    }
                    case 0x4b -> { // BININT1
                        u8();
                        push(Opaque.INSTANCE);
                    }
                    case 0x4c -> { // LONG
                        checkInteger(asciiLine(), at);
                        push(Opaque.INSTANCE);
                    }
                    case 0x4d -> { // BININT2
                        uLE(2);
                        push(Opaque.INSTANCE);
                    }
                    case 0x4e -> push(Opaque.INSTANCE); // NONE
                    case 0x50 -> { // PERSID: the pid is the text line
                        persistentIds.add(new Bytes(line()));
                        push(Opaque.INSTANCE);
                    }
                    case 0x51 -> { // BINPERSID
                        persistentIds.add(pop(at));
                        push(Opaque.INSTANCE);
                    }
                    case 0x52 -> { // REDUCE
                        pop(at);
                        pop(at);
                        push(Opaque.INSTANCE);
                    }
                    case 0x53 -> push(new Bytes(unquote(line(), at))); // STRING
                    case 0x54 -> push(new Bytes(take(uLE(4)))); // BINSTRING
                    case 0x55 -> push(new Bytes(take(u8()))); // SHORT_BINSTRING
                    case 0x56 -> push(new Text(rawUnicodeEscape(line(), at))); // UNICODE
                    case 0x58 -> push(new Text(utf8(take(uLE(4))))); // BINUNICODE
                    case 0x5d -> push(new PyList()); // EMPTY_LIST
                    case 0x61 -> { // APPEND
                        Object x = pop(at);
                        if (top(at) instanceof PyList l) {
                            l.items.add(x);
                        }
                    }
                    case 0x62 -> { // BUILD: pop the state, the object stays
                        pop(at);
                        top(at);
                    }
                    case 0x63 -> { // GLOBAL
                        String module = utf8(line());
                        String name = utf8(line());
                        push(new Global(module, name));
                    }
                    case 0x64 -> { // DICT
                        popToMark(at);
                        push(Dict.INSTANCE);
                    }
                    case 0x65 -> { // APPENDS
                        List<Object> items = popToMark(at);
                        if (top(at) instanceof PyList l) {
                            l.items.addAll(items);
                        }
                    }
                    case 0x67 -> push(memoGet(decimal(asciiLine(), at), at)); // GET
                    case 0x68 -> push(memoGet(u8(), at)); // BINGET
                    case 0x69 -> { // INST
                        line();
                        line();
                        popToMark(at);
                        push(Opaque.INSTANCE);
                    }
                    case 0x6a -> push(memoGet(uLE(4), at)); // LONG_BINGET
                    case 0x6c -> { // LIST
                        PyList l = new PyList();
                        l.items.addAll(popToMark(at));
                        push(l);
                    }
                    case 0x6f -> { // OBJ
                        popToMark(at);
                        push(Opaque.INSTANCE);
                    }
                    case 0x70 -> memo.put(decimal(asciiLine(), at), top(at)); // PUT
                    case 0x71 -> { // BINPUT
                        long key = u8();
                        memo.put(key, top(at));
                    }
                    case 0x72 -> { // LONG_BINPUT
                        long key = uLE(4);
                        memo.put(key, top(at));
                    }
                    case 0x73 -> { // SETITEM
                        pop(at);
                        pop(at);
                        top(at);
                    }
                    case 0x74 -> push(new Tuple(popToMark(at).toArray())); // TUPLE
                    case 0x75 -> { // SETITEMS
                        popToMark(at);
                        top(at);
                    }
                    case 0x7d -> push(Dict.INSTANCE); // EMPTY_DICT
                    case 0x29 -> push(new Tuple(new Object[0])); // EMPTY_TUPLE
                    case 0x47 -> { // BINFLOAT (big-endian, value irrelevant)
                        take(8);
                        push(Opaque.INSTANCE);
                    }
                    case 0x42 -> push(new Bytes(take(uLE(4)))); // BINBYTES
                    case 0x43 -> push(new Bytes(take(u8()))); // SHORT_BINBYTES
                    case 0x80 -> { // PROTO
                        int proto = u8();
                        if (proto > 5) {
                            throw error("unsupported pickle protocol " + proto, at);
                        }
                    }
                    case 0x81 -> { // NEWOBJ
                        pop(at);
                        pop(at);
                        push(Opaque.INSTANCE);
                    }
                    case 0x82 -> { // EXT1
                        u8();
                        push(Opaque.INSTANCE);
                    }
                    case 0x83 -> { // EXT2
                        uLE(2);
                        push(Opaque.INSTANCE);
                    }
                    case 0x84 -> { // EXT4
                        uLE(4);
                        push(Opaque.INSTANCE);
                    }
                    case 0x85, 0x86, 0x87 -> { // TUPLE1/2/3
                        int n = op - 0x84;
                        Object[] items = new Object[n];
                        for (int i = n - 1; i >= 0; i--) {
                            items[i] = pop(at);
                        }
                        push(new Tuple(items));
                    }
                    case 0x88, 0x89 -> push(Opaque.INSTANCE); // NEWTRUE, NEWFALSE
                    case 0x8a -> { // LONG1
                        take(u8());
                        push(Opaque.INSTANCE);
                    }
                    case 0x8b -> { // LONG4
                        take(uLE(4));
                        push(Opaque.INSTANCE);
                    }
                    case 0x8c -> push(new Text(utf8(take(u8())))); // SHORT_BINUNICODE
                    case 0x8d -> push(new Text(utf8(take(uLE(8))))); // BINUNICODE8
                    case 0x8e -> push(new Bytes(take(uLE(8)))); // BINBYTES8
                    case 0x8f -> push(Opaque.INSTANCE); // EMPTY_SET
                    case 0x90 -> { // ADDITEMS
                        popToMark(at);
                        top(at);
                    }
                    case 0x91 -> { // FROZENSET
                        popToMark(at);
                        push(Opaque.INSTANCE);
                    }
                    case 0x92 -> { // NEWOBJ_EX
                        pop(at);
                        pop(at);
                        pop(at);
                        push(Opaque.INSTANCE);
                    }
                    case 0x93 -> { // STACK_GLOBAL
                        Object name = pop(at);
                        Object module = pop(at);
                        String m = string(module);
                        String n = string(name);
                        push(m != null && n != null ? new Global(m, n) : Opaque.INSTANCE);
                    }
                    case 0x94 -> memo.put((long) memo.size(), top(at)); // MEMOIZE
                    case 0x95 -> need(uLE(8)); // FRAME: a hint only; the frame's bytes follow inline
                    case 0x96 -> push(new Bytes(take(uLE(8)))); // BYTEARRAY8
                    case 0x97 -> push(Opaque.INSTANCE); // NEXT_BUFFER
                    case 0x98 -> top(at); // READONLY_BUFFER
                    default -> throw error(String.format("unknown pickle opcode 0x%02x", op), at);
                }
            }
        }

        String utf8(byte[] b) {
            // Strict: a malformed UTF-8 operand means a damaged pickle.
            try {
                return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b)).toString();
            } catch (java.nio.charset.CharacterCodingException e) {
                throw error("invalid UTF-8 text operand", pos);
            }
        }

        /** A STRING operand: a Python string literal in quotes, with backslash escapes, as raw bytes. */
        byte[] unquote(byte[] line, int at) {
            int n = line.length;
            // protocol 0 lines may end with \r on files written on Windows
            if (n > 0 && line[n - 1] == '\r') {
                n--;
            }
            if (n < 2 || line[0] != line[n - 1] || (line[0] != '\'' && line[0] != '"')) {
                throw error("STRING operand is not quoted", at);
            }
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(n);
            int i = 1;
            int end = n - 1;
            while (i < end) {
                int c = line[i++] & 0xff;
                if (c != '\\') {
                    out.write(c);
                    continue;
                }
                if (i >= end) {
                    throw error("STRING operand ends with a backslash", at);
                }
                int e = line[i++] & 0xff;
                switch (e) {
                    case '\n' -> { }
                    case '\\', '\'', '"' -> out.write(e);
                    case 'a' -> out.write(7);
                    case 'b' -> out.write(8);
                    case 'f' -> out.write(12);
                    case 'n' -> out.write(10);
                    case 'r' -> out.write(13);
                    case 't' -> out.write(9);
                    case 'v' -> out.write(11);
                    case 'x' -> {
                        if (i + 2 > end) {
                            throw error("bad \\x escape in STRING operand", at);
                        }
                        out.write(hex2(line[i], line[i + 1], at));
                        i += 2;
                    }
                    default -> {
                        if (e >= '0' && e <= '7') {
                            int v = e - '0';
                            for (int k = 0; k < 2 && i < end && line[i] >= '0' && line[i] <= '7'; k++) {
                                v = v * 8 + (line[i++] - '0');
                            }
                            out.write(v & 0xff);
                        } else {
                            out.write('\\');
                            out.write(e);
                        }
                    }
                }
            }
            return out.toByteArray();
        }

        int hex2(byte a, byte b, int at) {
            int hi = Character.digit(a, 16);
            int lo = Character.digit(b, 16);
            if (hi < 0 || lo < 0) {
                throw error("bad hex escape in STRING operand", at);
            }
            return hi * 16 + lo;
        }

        /** A UNICODE operand: latin-1 bytes with {@code \\uXXXX} and {@code \\UXXXXXXXX} escapes. */
        String rawUnicodeEscape(byte[] line, int at) {
            StringBuilder sb = new StringBuilder(line.length);
            int i = 0;
            while (i < line.length) {
                int c = line[i] & 0xff;
                if (c == '\\' && i + 1 < line.length && (line[i + 1] == 'u' || line[i + 1] == 'U')) {
                    int digits = line[i + 1] == 'u' ? 4 : 8;
                    if (i + 2 + digits > line.length) {
                        throw error("bad unicode escape in UNICODE operand", at);
                    }
                    int cp = 0;
                    for (int k = 0; k < digits; k++) {
                        int d = Character.digit(line[i + 2 + k], 16);
                        if (d < 0) {
                            throw error("bad unicode escape in UNICODE operand", at);
                        }
                        cp = cp * 16 + d;
                    }
                    if (!Character.isValidCodePoint(cp)) {
                        throw error("bad code point in UNICODE operand", at);
                    }
                    sb.appendCodePoint(cp);
                    i += 2 + digits;
                } else {
                    sb.append((char) c);
                    i++;
                }
            }
            return sb.toString();
        }
    }
}
