package org.jzeo.protocol.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.jzeo.protocol.ProtocolException;

/**
 * UTF-8 for the wire: strict (msgpack, like Python's {@code raw=False}) or with Python's
 * {@code surrogatepass} error handler (pickle {@code BINUNICODE}), which lets lone surrogates
 * through as 3-byte sequences.
 */
public final class Utf8 {
    private Utf8() {
    }

    /**
     * Encodes {@code s}. Lone surrogates are written as 3-byte sequences when
     * {@code surrogatePass}, else refused.
     *
     * @throws IllegalArgumentException for a lone surrogate without {@code surrogatePass}
     */
    public static byte[] encode(String s, boolean surrogatePass) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                    continue;
                }
                if (!surrogatePass) {
                    throw new IllegalArgumentException("string contains a lone surrogate at index " + i);
                }
                return encodeSurrogatePass(s);
            }
        }
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] encodeSurrogatePass(String s) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(s.length() * 3);
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            int cp = c;
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                cp = Character.toCodePoint(c, s.charAt(++i));
            }
            if (cp < 0x80) {
                out.write(cp);
            } else if (cp < 0x800) {
                out.write(0xc0 | (cp >> 6));
                out.write(0x80 | (cp & 0x3f));
            } else if (cp < 0x10000) {
                out.write(0xe0 | (cp >> 12));
                out.write(0x80 | ((cp >> 6) & 0x3f));
                out.write(0x80 | (cp & 0x3f));
            } else {
                out.write(0xf0 | (cp >> 18));
                out.write(0x80 | ((cp >> 12) & 0x3f));
                out.write(0x80 | ((cp >> 6) & 0x3f));
                out.write(0x80 | (cp & 0x3f));
            }
        }
        return out.toByteArray();
    }

    /**
     * Decodes {@code len} bytes at {@code off}.
     *
     * @throws ProtocolException if the bytes are not valid UTF-8 (with surrogates allowed when
     *                           {@code surrogatePass})
     */
    public static String decode(byte[] b, int off, int len, boolean surrogatePass) {
        boolean ascii = true;
        for (int i = off, end = off + len; i < end; i++) {
            if (b[i] < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(b, off, len, StandardCharsets.ISO_8859_1);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, off, len))
                    .toString();
        } catch (CharacterCodingException e) {
            if (!surrogatePass) {
                throw new ProtocolException("invalid UTF-8 in a text value");
            }
            return decodeSurrogatePass(b, off, len);
        }
    }

    private static String decodeSurrogatePass(byte[] b, int off, int len) {
        StringBuilder sb = new StringBuilder(len);
        int i = off;
        int end = off + len;
        while (i < end) {
            int b0 = b[i] & 0xff;
            if (b0 < 0x80) {
                sb.append((char) b0);
                i++;
            } else if (b0 >= 0xc2 && b0 <= 0xdf) {
                int b1 = cont(b, i + 1, end, 0x80, 0xbf);
                sb.append((char) (((b0 & 0x1f) << 6) | (b1 & 0x3f)));
                i += 2;
            } else if (b0 >= 0xe0 && b0 <= 0xef) {
                int b1 = cont(b, i + 1, end, b0 == 0xe0 ? 0xa0 : 0x80, 0xbf);
                int b2 = cont(b, i + 2, end, 0x80, 0xbf);
                sb.append((char) (((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f)));
                i += 3;
            } else if (b0 >= 0xf0 && b0 <= 0xf4) {
                int b1 = cont(b, i + 1, end, b0 == 0xf0 ? 0x90 : 0x80, b0 == 0xf4 ? 0x8f : 0xbf);
                int b2 = cont(b, i + 2, end, 0x80, 0xbf);
                int b3 = cont(b, i + 3, end, 0x80, 0xbf);
                sb.appendCodePoint(((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f));
                i += 4;
            } else {
                throw new ProtocolException("invalid UTF-8 in a text value");
            }
        }
        return sb.toString();
    }

    private static int cont(byte[] b, int i, int end, int lo, int hi) {
        if (i >= end) {
            throw new ProtocolException("truncated UTF-8 sequence in a text value");
        }
        int v = b[i] & 0xff;
        if (v < lo || v > hi) {
            throw new ProtocolException("invalid UTF-8 in a text value");
        }
        return v;
    }
}
