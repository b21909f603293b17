package org.jzeo.protocol.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.jzeo.api.ConflictError;
import org.jzeo.api.Oid;
import org.jzeo.api.POSKeyError;
import org.jzeo.api.ReadOnlyError;
import org.jzeo.api.StorageException;
import org.jzeo.api.StorageTransactionError;
import org.jzeo.api.Tid;
import org.jzeo.api.UndoError;
import org.jzeo.protocol.RemoteConflictError;
import org.jzeo.protocol.ServerException;
import org.jzeo.protocol.Tuple;
import org.jzeo.protocol.Values;

/** Maps Java exceptions to ZEO 5 error-reply arguments {@code (class_name, details)} and back. */
public final class ErrorMapping {
    /** ConflictError's default {@code message} attribute in Python. */
    public static final String DEFAULT_CONFLICT_MESSAGE = "database conflict error";
    private static final String POS = "ZODB.POSException.";
    private static final String CONFLICT = POS + "ConflictError";
    private static final String READ_ONLY_DEFAULT = "read-only";

    private ErrorMapping() {
    }

    /** The error-reply args for {@code error}; see {@code Message.errorReply(Object, Throwable)}. */
    public static Tuple toReplyArgs(Throwable error) {
        if (error instanceof ServerException s) {
            return Tuple.of(s.className(), s.details());
        }
        if (error instanceof RemoteConflictError r && r.details() != null) {
            return Tuple.of(r.pythonClassName(), r.details());
        }
        if (error instanceof ConflictError c) {
            Map<Object, Object> d = new LinkedHashMap<>();
            String msg = c.getMessage();
            if (msg == null || msg.startsWith(DEFAULT_CONFLICT_MESSAGE + " (oid ")) {
                msg = DEFAULT_CONFLICT_MESSAGE;
            }
            d.put("message", msg);
            d.put("oid", c.oid() == null ? null : c.oid().toBytes());
            d.put("class_name", c.className());
            Tid cur = c.currentSerial();
            Tid old = c.oldSerial();
            d.put("serials", cur == null && old == null ? null
                    : Tuple.of(cur == null ? null : cur.toBytes(), old == null ? null : old.toBytes()));
            return Tuple.of(c.pythonClassName(), d);
        }
        if (error instanceof POSKeyError p) {
            return Tuple.of(p.pythonClassName(),
                    p.oid() != null ? Tuple.of((Object) p.oid().toBytes()) : argsOf(p.getMessage()));
        }
        if (error instanceof ReadOnlyError r) {
            String msg = r.getMessage();
            return Tuple.of(r.pythonClassName(),
                    msg == null || msg.equals(READ_ONLY_DEFAULT) ? Tuple.EMPTY : Tuple.of(msg));
        }
        if (error instanceof UndoError u) {
            String msg = u.getMessage();
            if (u.oid() != null && msg != null && msg.endsWith(" (oid " + u.oid() + ")")) {
                msg = msg.substring(0, msg.length() - (" (oid " + u.oid() + ")").length());
            }
            Map<Object, Object> d = new LinkedHashMap<>();
            d.put("_reason", msg);
            d.put("_oid", u.oid() == null ? null : u.oid().toBytes());
            return Tuple.of(u.pythonClassName(), d);
        }
        if (error instanceof StorageException s) {
            return Tuple.of(s.pythonClassName(), argsOf(s.getMessage()));
        }
        String cls;
        if (error instanceof IllegalArgumentException) {
            cls = "builtins.ValueError";
        } else if (error instanceof ClassCastException) {
            cls = "builtins.TypeError";
        } else if (error instanceof IndexOutOfBoundsException) {
            cls = "builtins.IndexError";
        } else if (error instanceof NoSuchElementException) {
            cls = "builtins.KeyError";
        } else if (error instanceof UnsupportedOperationException) {
            cls = "builtins.NotImplementedError";
        } else {
            cls = "builtins.RuntimeError";
        }
        String msg = error.getMessage();
        return Tuple.of(cls, Tuple.of(msg == null ? error.getClass().getSimpleName() : msg));
    }

    private static Tuple argsOf(String message) {
        return message == null ? Tuple.EMPTY : Tuple.of(message);
    }

    /** The Java exception for error-reply args {@code (class_name, details)}. */
    public static RuntimeException fromReplyArgs(Object args) {
        if (!Values.isSequence(args) || Values.sequence(args).size() != 2
                || !(Values.sequence(args).get(0) instanceof String)) {
            return new ServerException("<malformed error reply>", args);
        }
        String cls = (String) Values.sequence(args).get(0);
        Object details = Values.sequence(args).get(1);
        try {
            RuntimeException e = map(cls, details);
            if (e != null) {
                return e;
            }
        } catch (RuntimeException malformed) {
            // details of an unexpected shape: fall through to the generic form
        }
        return new ServerException(cls, details);
    }

    @SuppressWarnings("unchecked")
    private static RuntimeException map(String cls, Object details) {
        switch (cls) {
            case CONFLICT, POS + "ReadConflictError", POS + "BTreesConflictError" -> {
                if (!(details instanceof Map)) {
                    return null;
                }
                Map<Object, Object> d = (Map<Object, Object>) details;
                Object message = d.get("message");
                Oid oid = oidOrNull(d.get("oid"));
                Object objClass = d.get("class_name");
                Tid current = null;
                Tid old = null;
                Object serials = d.get("serials");
                if (Values.isSequence(serials)) {
                    List<Object> s = Values.sequence(serials);
                    current = s.size() > 0 ? tidOrNull(s.get(0)) : null;
                    old = s.size() > 1 ? tidOrNull(s.get(1)) : null;
                }
                String className = objClass instanceof String c ? c : null;
                if (cls.equals(CONFLICT) && (message == null || DEFAULT_CONFLICT_MESSAGE.equals(message))
                        && d.keySet().stream().allMatch(k -> k instanceof String ks
                                && (ks.equals("message") || ks.equals("oid") || ks.equals("class_name")
                                        || ks.equals("serials")))) {
                    return new ConflictError(oid, current, old, className);
                }
                String text = message instanceof String m ? m : DEFAULT_CONFLICT_MESSAGE;
                return new RemoteConflictError(cls, text, oid, current, old, className, d);
            }
            case POS + "POSKeyError" -> {
                List<Object> a = Values.sequence(details);
                if (a.size() >= 1 && a.get(0) instanceof byte[] b && b.length == 8) {
                    return new POSKeyError(Oid.of(b));
                }
                return null;
            }
            case POS + "ReadOnlyError" -> {
                List<Object> a = Values.isSequence(details) ? Values.sequence(details) : List.of();
                return a.size() == 1 && a.get(0) instanceof String m ? new ReadOnlyError(m) : new ReadOnlyError();
            }
            case POS + "StorageTransactionError" -> {
                return new StorageTransactionError(message(details));
            }
            case POS + "UndoError" -> {
                if (details instanceof Map<?, ?> d) {
                    Object reason = d.get("_reason");
                    return new UndoError(reason instanceof String r ? r : Values.repr(reason), oidOrNull(d.get("_oid")));
                }
                return new UndoError(message(details), null);
            }
            case POS + "MultipleUndoErrors" -> {
                return new UndoError("multiple undo errors: " + message(details), null);
            }
            default -> {
                return null;
            }
        }
    }

    private static String message(Object details) {
        if (Values.isSequence(details)) {
            List<Object> a = Values.sequence(details);
            if (a.size() == 1 && a.get(0) instanceof String s) {
                return s;
            }
        }
        return Values.repr(details);
    }

    private static Oid oidOrNull(Object v) {
        return v instanceof byte[] b && b.length == 8 ? Oid.of(b) : null;
    }

    private static Tid tidOrNull(Object v) {
        return v instanceof byte[] b && b.length == 8 ? Tid.of(b) : null;
    }
}
