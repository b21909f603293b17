package org.jzeo.protocol.internal;

/** Pickle opcode bytes (protocols 0–5) and their names for error messages. */
final class Opcodes {
    static final int MARK = 0x28;
    static final int STOP = 0x2e;
    static final int POP = 0x30;
    static final int POP_MARK = 0x31;
    static final int DUP = 0x32;
    static final int FLOAT = 0x46;
    static final int INT = 0x49;
    static final int BININT = 0x4a;
    static final int BININT1 = 0x4b;
    static final int LONG = 0x4c;
    static final int BININT2 = 0x4d;
    static final int NONE = 0x4e;
    static final int PERSID = 0x50;
    static final int BINPERSID = 0x51;
    static final int REDUCE = 0x52;
    static final int STRING = 0x53;
    static final int BINSTRING = 0x54;
    static final int SHORT_BINSTRING = 0x55;
    static final int UNICODE = 0x56;
    static final int BINUNICODE = 0x58;
    static final int APPEND = 0x61;
    static final int BUILD = 0x62;
    static final int GLOBAL = 0x63;
    static final int DICT = 0x64;
    static final int EMPTY_DICT = 0x7d;
    static final int APPENDS = 0x65;
    static final int GET = 0x67;
    static final int BINGET = 0x68;
    static final int INST = 0x69;
    static final int LONG_BINGET = 0x6a;
    static final int LIST = 0x6c;
    static final int EMPTY_LIST = 0x5d;
    static final int OBJ = 0x6f;
    static final int PUT = 0x70;
    static final int BINPUT = 0x71;
    static final int LONG_BINPUT = 0x72;
    static final int SETITEM = 0x73;
    static final int TUPLE = 0x74;
    static final int EMPTY_TUPLE = 0x29;
    static final int SETITEMS = 0x75;
    static final int BINFLOAT = 0x47;
    static final int PROTO = 0x80;
    static final int NEWOBJ = 0x81;
    static final int EXT1 = 0x82;
    static final int EXT2 = 0x83;
    static final int EXT4 = 0x84;
    static final int TUPLE1 = 0x85;
    static final int TUPLE2 = 0x86;
    static final int TUPLE3 = 0x87;
    static final int NEWTRUE = 0x88;
    static final int NEWFALSE = 0x89;
    static final int LONG1 = 0x8a;
    static final int LONG4 = 0x8b;
    static final int BINBYTES = 0x42;
    static final int SHORT_BINBYTES = 0x43;
    static final int SHORT_BINUNICODE = 0x8c;
    static final int BINUNICODE8 = 0x8d;
    static final int BINBYTES8 = 0x8e;
    static final int EMPTY_SET = 0x8f;
    static final int ADDITEMS = 0x90;
    static final int FROZENSET = 0x91;
    static final int NEWOBJ_EX = 0x92;
    static final int STACK_GLOBAL = 0x93;
    static final int MEMOIZE = 0x94;
    static final int FRAME = 0x95;
    static final int BYTEARRAY8 = 0x96;
    static final int NEXT_BUFFER = 0x97;
    static final int READONLY_BUFFER = 0x98;

    private Opcodes() {
    }

    /** The pickletools name of an opcode that the safe reader refuses, or {@code null}. */
    static String refusedName(int op) {
        return switch (op) {
            case GLOBAL -> "GLOBAL";
            case STACK_GLOBAL -> "STACK_GLOBAL";
            case REDUCE -> "REDUCE";
            case BUILD -> "BUILD";
            case INST -> "INST";
            case OBJ -> "OBJ";
            case NEWOBJ -> "NEWOBJ";
            case NEWOBJ_EX -> "NEWOBJ_EX";
            case PERSID -> "PERSID";
            case BINPERSID -> "BINPERSID";
            case EXT1 -> "EXT1";
            case EXT2 -> "EXT2";
            case EXT4 -> "EXT4";
            case NEXT_BUFFER -> "NEXT_BUFFER";
            case READONLY_BUFFER -> "READONLY_BUFFER";
            default -> null;
        };
    }

    /** Names of opcodes that are valid pickle but not supported here (sets, protocol-0 text). */
    static String unsupportedName(int op) {
        return switch (op) {
            case EMPTY_SET -> "EMPTY_SET";
            case ADDITEMS -> "ADDITEMS";
            case FROZENSET -> "FROZENSET";
            case STRING -> "STRING";
            case UNICODE -> "UNICODE";
            default -> null;
        };
    }
}
