package io.koordinator.proxy;

import io.koordinator.sequencer.Positions;
import io.koordinator.sequencer.RequestId;
import java.net.SocketAddress;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.message.MapMessage;

/**
 * The access log: one line per response on the logger {@code koordinator.access} (its own appender,
 * stdout; off unless {@code --access-log on}). Each line is a Log4j {@link MapMessage}, so the JSON
 * layout writes its fields as JSON fields, and the text layout as {@code key=value} in a fixed order:
 *
 * <table>
 *   <caption>Fields</caption>
 *   <tr><th>field</th><th>value</th></tr>
 *   <tr><td>requestId</td><td>the ordered request's id ({@code <origin>-<counter>}), {@code -} if none</td></tr>
 *   <tr><td>position</td><td>the position it was delivered at (decimal), {@code -} if none</td></tr>
 *   <tr><td>origin</td><td>this replica's id: the replica that answered the client</td></tr>
 *   <tr><td>class</td><td>{@code ordered}, {@code pass_through} or {@code rejected}</td></tr>
 *   <tr><td>status</td><td>the response status</td></tr>
 *   <tr><td>latencyMicros</td><td>from the request head read to the response written</td></tr>
 *   <tr><td>client, method, target</td><td>the downstream address and the request line</td></tr>
 * </table>
 */
final class AccessLog {
    private static final Logger log = LogManager.getLogger(LogSettings.ACCESS_LOGGER);

    private AccessLog() {}

    static boolean enabled() {
        return log.isInfoEnabled();
    }

    static void write(String origin, ResponseSlot slot, SocketAddress client, int status) {
        Line line = new Line();
        RequestId id = slot.requestId;
        if (id != null) {
            line.with("requestId", id.toString());
        }
        long position = slot.position;
        if (position != Positions.NONE) {
            line.with("position", position);
        }
        line.with("origin", origin)
                .with("class", slot.requestClass)
                .with("status", status)
                .with("latencyMicros", (System.nanoTime() - slot.acceptNanos) / 1000)
                .with("client", String.valueOf(client))
                .with("method", slot.method.name())
                .with("target", slot.uri);
        log.info(line);
    }

    /** A map message whose text form lists the fields in the table's order. */
    static final class Line extends MapMessage<Line, Object> {
        private static final String[] ORDER = {
            "requestId", "position", "origin", "class", "status", "latencyMicros", "client", "method", "target"
        };

        Line() {
            super(ORDER.length);
        }

        @Override
        public String getFormattedMessage() {
            StringBuilder sb = new StringBuilder(160);
            formatTo(sb);
            return sb.toString();
        }

        /** What a pattern layout's {@code %msg} writes. */
        @Override
        public void formatTo(StringBuilder sb) {
            int start = sb.length();
            for (String key : ORDER) {
                Object v = getIndexedReadOnlyStringMap().getValue(key);
                if (sb.length() > start) {
                    sb.append(' ');
                }
                sb.append(key).append('=').append(v == null ? "-" : v);
            }
        }

        @Override
        public void formatTo(String[] formats, StringBuilder sb) {
            if (formats == null || formats.length == 0) {
                formatTo(sb);
            } else {
                super.formatTo(formats, sb); // %msg{JSON}, %msg{XML}: Log4j's own forms
            }
        }

        @Override
        public Line newInstance(Map<String, Object> map) {
            Line l = new Line();
            map.forEach(l::with);
            return l;
        }
    }
}
