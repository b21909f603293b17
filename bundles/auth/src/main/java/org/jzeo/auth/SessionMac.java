package org.jzeo.auth;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The chained HMAC-SHA-1 of one direction of an authenticated connection (legacy spec §2.5):
 * the n-th {@link #next} returns HMAC(key, m<sub>1</sub> ‖ … ‖ m<sub>n</sub>) over every payload
 * passed so far. Lengths and MACs are not hashed. Not thread-safe: one instance per direction.
 */
public final class SessionMac {
    /** Length of a MAC in bytes. */
    public static final int LENGTH = 20;
    private static final int BLOCK = 64;

    private final MessageDigest inner;
    private final byte[] outerPad;

    /** @param key the session key (any length; longer than 64 bytes is hashed first, as RFC 2104 says) */
    public SessionMac(byte[] key) {
        byte[] k = key.length > BLOCK ? sha1().digest(key) : key;
        byte[] ipad = new byte[BLOCK];
        outerPad = new byte[BLOCK];
        for (int i = 0; i < BLOCK; i++) {
            byte b = i < k.length ? k[i] : 0;
            ipad[i] = (byte) (b ^ 0x36);
            outerPad[i] = (byte) (b ^ 0x5c);
        }
        inner = sha1();
        inner.update(ipad);
        Arrays.fill(ipad, (byte) 0);
    }

    /** Adds {@code payload} to the chain and returns the MAC of everything so far. */
    public byte[] next(byte[] payload) {
        return next(ByteBuffer.wrap(payload));
    }

    /** Adds the remaining bytes of {@code payload} (its position moves to the limit) and returns the MAC. */
    public byte[] next(ByteBuffer payload) {
        inner.update(payload);
        byte[] innerHash;
        try {
            innerHash = ((MessageDigest) inner.clone()).digest();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-1 digest cannot be cloned", e);
        }
        MessageDigest outer = sha1();
        outer.update(outerPad);
        return outer.digest(innerHash);
    }

    static MessageDigest sha1() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM", e);
        }
    }
}
