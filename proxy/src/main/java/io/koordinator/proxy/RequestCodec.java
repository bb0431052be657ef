package io.koordinator.proxy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The binary form of a {@link RequestData} inside a command's payload.
 *
 * <pre>
 *   version  1 byte, {@value #VERSION}
 *   method   string
 *   uri      string
 *   headers  varint count, then count x (name string, value string)
 *   body     varint length, then the bytes
 * </pre>
 *
 * A string is a varint byte length followed by UTF-8 bytes; a varint is unsigned LEB128 of at most
 * 5 bytes. Decoding checks every length against what is left and rejects trailing bytes, so a
 * corrupt payload fails with {@link IllegalArgumentException} rather than producing a request.
 */
public final class RequestCodec {
    public static final int VERSION = 1;

    private RequestCodec() {}

    public static byte[] encode(RequestData request) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + request.body().length);
        out.write(VERSION);
        writeString(out, request.method());
        writeString(out, request.uri());
        writeVarint(out, request.headers().size());
        for (Map.Entry<String, String> h : request.headers()) {
            writeString(out, h.getKey());
            writeString(out, h.getValue());
        }
        writeVarint(out, request.body().length);
        out.writeBytes(request.body());
        return out.toByteArray();
    }

    public static RequestData decode(byte[] payload) {
        Reader in = new Reader(payload);
        int version = in.u8();
        if (version > VERSION) {
            throw new IllegalArgumentException("request format version " + version + ", newer than the version "
                    + VERSION + " this proxy reads: upgrade this proxy");
        }
        if (version != VERSION) {
            throw new IllegalArgumentException("unknown request format version " + version);
        }
        String method = in.string();
        String uri = in.string();
        int count = in.varint();
        List<Map.Entry<String, String>> headers = new ArrayList<>(Math.min(count, 256));
        for (int i = 0; i < count; i++) {
            headers.add(new SimpleImmutableEntry<>(in.string(), in.string()));
        }
        byte[] body = in.bytes(in.varint());
        if (in.remaining() != 0) {
            throw new IllegalArgumentException(in.remaining() + " trailing bytes after the request");
        }
        if (method.isEmpty() || uri.isEmpty()) {
            throw new IllegalArgumentException("empty method or uri");
        }
        return new RequestData(method, uri, headers, body);
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        writeVarint(out, b.length);
        out.writeBytes(b);
    }

    private static void writeVarint(ByteArrayOutputStream out, int v) {
        while ((v & ~0x7F) != 0) {
            out.write((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write(v);
    }

    private static final class Reader {
        private final byte[] b;
        private int pos;

        Reader(byte[] b) {
            this.b = b;
        }

        int remaining() {
            return b.length - pos;
        }

        int u8() {
            need(1);
            return b[pos++] & 0xFF;
        }

        int varint() {
            int result = 0;
            for (int shift = 0; shift < 35; shift += 7) {
                int x = u8();
                result |= (x & 0x7F) << shift;
                if ((x & 0x80) == 0) {
                    if (result < 0 || (shift == 28 && x > 0x07)) {
                        throw new IllegalArgumentException("varint out of range");
                    }
                    return result;
                }
            }
            throw new IllegalArgumentException("varint longer than 5 bytes");
        }

        byte[] bytes(int n) {
            need(n);
            byte[] out = new byte[n];
            System.arraycopy(b, pos, out, 0, n);
            pos += n;
            return out;
        }

        String string() {
            int n = varint();
            need(n);
            String s = new String(b, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
        }

        private void need(int n) {
            if (n < 0 || n > remaining()) {
                throw new IllegalArgumentException(
                        "truncated request: need " + n + " bytes at " + pos + ", have " + remaining());
            }
        }
    }
}
