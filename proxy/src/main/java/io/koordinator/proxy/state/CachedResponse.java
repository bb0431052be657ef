package io.koordinator.proxy.state;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The app's response to a command that carried an {@code Idempotency-Key}: what a retry of that
 * key gets instead of running again.
 *
 * @param status HTTP status code
 * @param headers end-to-end response headers, in order
 * @param body the response body
 */
public record CachedResponse(int status, List<Map.Entry<String, String>> headers, byte[] body) {
    public CachedResponse {
        headers = List.copyOf(headers);
    }

    void writeTo(DataOutputStream out) throws IOException {
        out.writeShort(status);
        out.writeShort(headers.size());
        for (Map.Entry<String, String> h : headers) {
            out.writeUTF(h.getKey());
            out.writeUTF(h.getValue());
        }
        out.writeInt(body.length);
        out.write(body);
    }

    static CachedResponse readFrom(DataInputStream in) throws IOException {
        int status = in.readUnsignedShort();
        int n = in.readUnsignedShort();
        List<Map.Entry<String, String>> headers = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            headers.add(new SimpleImmutableEntry<>(in.readUTF(), in.readUTF()));
        }
        int length = in.readInt();
        if (length < 0) {
            throw new IOException("negative body length " + length);
        }
        return new CachedResponse(status, headers, in.readNBytes(length));
    }
}
