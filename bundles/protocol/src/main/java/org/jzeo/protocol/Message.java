package org.jzeo.protocol;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jzeo.protocol.internal.ErrorMapping;

/**
 * One ZEO 5 message, {@code (msgid, flag, name, args)} (wire-protocol.md §4).
 *
 * <ul>
 *   <li>{@code msgid}: normally a {@link Long} (sync calls count from 1, one-way calls use 0,
 *       heartbeats −1), but the Python client uses the {@link Tuple} {@code (oid, tid)} for
 *       {@code loadBefore}; a reply must echo it verbatim (use {@link #reply}).</li>
 *   <li>{@code flag}: the raw value as sent. Calls carry a {@link Boolean} (true = one-way),
 *       replies an integer ({@code 0} ok, {@code 2} error); test it with {@link #isAsync()},
 *       {@link #isError()}, {@link #replyFlag()}, which accept either type.</li>
 *   <li>{@code method}: the method name, {@link #REPLY} for replies.</li>
 *   <li>{@code args}: for calls the argument sequence (a {@link Tuple}; a pickled list is
 *       accepted too), for replies the single result value.</li>
 * </ul>
 *
 * @param msgid  the message id
 * @param flag   the async flag of a call or the status of a reply
 * @param method the method name or {@code ".reply"}
 * @param args   the argument sequence or the result
 */
public record Message(Object msgid, Object flag, String method, Object args) {
    /** The method name of replies (and heartbeats). */
    public static final String REPLY = ".reply";
    /** Reply flag: a normal result. */
    public static final int FLAG_OK = 0;
    /** Reply flag: an exception {@code (class_name, details)}. */
    public static final int FLAG_ERROR = 2;
    /** The client heartbeat {@code (-1, 0, ".reply", None)}. */
    public static final Message HEARTBEAT = new Message(-1L, 0L, REPLY, null);

    /** Checks that {@code method} is not null. */
    public Message {
        if (method == null) {
            throw new IllegalArgumentException("method name is required");
        }
    }

    /** A sync call {@code (msgid, False, method, args)}. */
    public static Message call(long msgid, String method, Object... args) {
        return new Message(msgid, Boolean.FALSE, method, Tuple.of(args));
    }

    /** A sync call with any msgid (e.g. the {@code (oid, tid)} tuple Python uses for loadBefore). */
    public static Message call(Object msgid, String method, Tuple args) {
        return new Message(msgid, Boolean.FALSE, method, args);
    }

    /** A one-way call {@code (0, True, method, args)}: client async calls and server callbacks. */
    public static Message async(String method, Object... args) {
        return new Message(0L, Boolean.TRUE, method, Tuple.of(args));
    }

    /** A normal reply {@code (msgid, 0, ".reply", result)}; {@code msgid} is echoed as given. */
    public static Message reply(Object msgid, Object result) {
        return new Message(msgid, (long) FLAG_OK, REPLY, result);
    }

    /** An error reply {@code (msgid, 2, ".reply", (className, details))}. */
    public static Message errorReply(Object msgid, String className, Object details) {
        return new Message(msgid, (long) FLAG_ERROR, REPLY, Tuple.of(className, details));
    }

    /**
     * The error reply a Python ZEO server would send for {@code error}.
     * <ul>
     *   <li>{@code ConflictError} → dict {@code {message, oid, class_name, serials: (current, old)}}
     *       in that order ({@code message} is {@code "database conflict error"} unless the error
     *       was made with a custom message);</li>
     *   <li>{@code POSKeyError} → {@code (oid,)}; {@code ReadOnlyError} → {@code ()} (or
     *       {@code (message,)} for a custom message);</li>
     *   <li>{@code UndoError} → dict {@code {_reason, _oid}}, as Python's attribute dict;</li>
     *   <li>{@link ServerException} and {@link RemoteConflictError} → their class name and details
     *       verbatim;</li>
     *   <li>other {@code StorageException}s → {@code (pythonClassName(), (message,))};</li>
     *   <li>other Java exceptions → a {@code builtins} class: {@code IllegalArgumentException} →
     *       {@code ValueError}, {@code ClassCastException} → {@code TypeError},
     *       {@code IndexOutOfBoundsException} → {@code IndexError},
     *       {@code NoSuchElementException} → {@code KeyError},
     *       {@code UnsupportedOperationException} → {@code NotImplementedError}, anything else →
     *       {@code RuntimeError}, with args {@code (message,)}.</li>
     * </ul>
     */
    public static Message errorReply(Object msgid, Throwable error) {
        return new Message(msgid, (long) FLAG_ERROR, REPLY, ErrorMapping.toReplyArgs(error));
    }

    /**
     * Builds a message from a decoded 4-element sequence.
     *
     * @throws ProtocolException if {@code decoded} is not a 4-element tuple or list or its name
     *                           is not text (a {@code byte[]} name from a Python 2 peer is
     *                           decoded as UTF-8)
     */
    public static Message fromValue(Object decoded) {
        if (!Values.isSequence(decoded)) {
            throw new ProtocolException("a message must be a 4-element sequence, got " + Values.typeName(decoded));
        }
        List<Object> items = Values.sequence(decoded);
        if (items.size() != 4) {
            throw new ProtocolException("a message must be a 4-element sequence, got " + items.size() + " elements");
        }
        Object name = items.get(2);
        String method;
        if (name instanceof String s) {
            method = s;
        } else if (name instanceof byte[] b) {
            method = new String(b, StandardCharsets.UTF_8);
        } else {
            throw new ProtocolException("a message name must be text, got " + Values.typeName(name));
        }
        return new Message(items.get(0), items.get(1), method, items.get(3));
    }

    /** The message as the 4-tuple that goes on the wire. */
    public Object toValue() {
        return Tuple.of(msgid, flag, method, args);
    }

    /** Whether this is a reply ({@code name == ".reply"}); heartbeats are replies too. */
    public boolean isReply() {
        return REPLY.equals(method);
    }

    /** Whether the msgid is the integer −1 (a heartbeat: ignored by servers, never answered). */
    public boolean isHeartbeat() {
        return Values.isInteger(msgid) && ((Number) msgid).longValue() == -1 && !(msgid instanceof java.math.BigInteger);
    }

    /** For a call: whether it is one-way (the flag is truthy). */
    public boolean isAsync() {
        return !isReply() && Values.truthy(flag);
    }

    /** For a reply: whether it carries an exception (the flag is truthy, normally 2). */
    public boolean isError() {
        return isReply() && Values.truthy(flag);
    }

    /** The flag as an int (a Boolean counts 0/1); for replies 0 = ok, 2 = error. */
    public int replyFlag() {
        return Values.truthy(flag) ? (int) Values.toLong(flag) : 0;
    }

    /** The msgid as a long, for integer msgids. @throws IllegalArgumentException for a tuple msgid */
    public long msgidAsLong() {
        return Values.toLong(msgid);
    }

    /** The call arguments. @throws IllegalArgumentException if {@code args} is not a sequence */
    public List<Object> arguments() {
        return Values.sequence(args);
    }

    /** The number of call arguments, or −1 if {@code args} is not a sequence. */
    public int argCount() {
        return Values.isSequence(args) ? Values.sequence(args).size() : -1;
    }

    /** Argument {@code index} of a call. */
    public Object arg(int index) {
        return arguments().get(index);
    }

    /**
     * For an error reply, the Java exception it stands for: {@code ConflictError} (or
     * {@link RemoteConflictError} for ReadConflictError, BTreesConflictError and custom messages)
     * with oid and serials, {@code POSKeyError}, {@code ReadOnlyError},
     * {@code StorageTransactionError}, {@code UndoError} (also for MultipleUndoErrors), else a
     * {@link ServerException} with the Python class name and details.
     *
     * @throws IllegalStateException if this is not an error reply
     */
    public RuntimeException toException() {
        if (!isError()) {
            throw new IllegalStateException("not an error reply: " + this);
        }
        return ErrorMapping.fromReplyArgs(args);
    }

    @Override
    public String toString() {
        return "Message" + Values.repr(Tuple.of(msgid, flag, method, args));
    }
}
