package io.koordinator.inject;

import io.fabric8.kubernetes.api.model.Quantity;
import io.koordinator.Durations;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parsing and checking of the values shared by the config file and the pod annotations. Each method returns
 * the normalized value or throws {@link IllegalArgumentException} with a message that completes the sentence
 * "KEY: ...", so the caller only prefixes the key.
 */
final class Values {

    /** Read policies the proxy knows (DESIGN.md, "Reads"). */
    static final Set<String> READ_POLICIES = Set.of("ordered", "linearizable", "local");

    static final Set<String> PULL_POLICIES = Set.of("Always", "IfNotPresent", "Never");

    /** Kubernetes' quantity grammar (apimachinery resource.Quantity), without sign. */
    private static final Pattern QUANTITY =
            Pattern.compile("\\+?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+|[numkMGTPE]|[KMGTPE]i)?");

    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\\[[0-9A-Fa-f:.]+]");

    /** Group names become part of a ZooKeeper path and of metric labels: keep them plain. */
    private static final Pattern GROUP = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?");

    /** RFC 1123 label: volume names. */
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    /** RFC 1123 subdomain: Secret names. */
    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private Values() {}

    static int positiveInt(String text) {
        String t = text.trim();
        try {
            int n = Integer.parseInt(t);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the message below
        }
        throw new IllegalArgumentException("'" + text + "' is not a positive integer");
    }

    static long nonNegativeLong(String text) {
        String t = text.trim();
        try {
            long n = Long.parseLong(t);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the message below
        }
        throw new IllegalArgumentException("'" + text + "' is not a non-negative integer");
    }

    static boolean bool(String text) {
        String t = text.trim();
        if (t.equals("true") || t.equals("false")) {
            return Boolean.parseBoolean(t);
        }
        throw new IllegalArgumentException("'" + text + "' is not true or false");
    }

    static int port(String text) {
        String t = text.trim();
        try {
            int n = Integer.parseInt(t);
            if (n >= 1 && n <= 65535) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the message below
        }
        throw new IllegalArgumentException("'" + text + "' is not a port number (1-65535)");
    }

    /** A comma-separated list of ports, in order, without duplicates. */
    static List<Integer> portList(String text) {
        Set<Integer> ports = new LinkedHashSet<>();
        for (String part : text.split(",", -1)) {
            if (part.isBlank()) {
                throw new IllegalArgumentException("'" + text + "' is not a comma-separated list of ports");
            }
            ports.add(port(part));
        }
        return List.copyOf(ports);
    }

    static String readPolicy(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (!READ_POLICIES.contains(t)) {
            throw new IllegalArgumentException("'" + text + "' is not one of ordered, linearizable, local");
        }
        return t;
    }

    static String duration(String text) {
        Durations.parse(text);
        return text.trim();
    }

    /** An absolute HTTP path: starts with '/', no whitespace, no comma (the proxy's lists are comma-separated). */
    static String path(String text) {
        String t = text.trim();
        if (!t.startsWith("/") || t.chars().anyMatch(c -> Character.isWhitespace(c) || c == ',' || c == '?')) {
            throw new IllegalArgumentException(
                    "'" + text + "' is not an absolute path (starts with '/', no spaces, commas or '?')");
        }
        return t;
    }

    /** A comma-separated list of path prefixes; blanks between commas are ignored. */
    static List<String> pathList(String text) {
        List<String> paths = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                paths.add(path(part));
            }
        }
        return paths;
    }

    /** A positive Kubernetes quantity such as {@code 100m}, {@code 0.5}, {@code 256Mi}. */
    static Quantity quantity(String text) {
        String t = text.trim();
        if (QUANTITY.matcher(t).matches()) {
            try {
                Quantity q = Quantity.parse(t);
                if (Quantity.getAmountInBytes(q).compareTo(BigDecimal.ZERO) > 0) {
                    return q;
                }
            } catch (RuntimeException e) {
                // falls through to the message below
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a positive Kubernetes quantity (like 100m or 256Mi)");
    }

    /** ZooKeeper connect string: {@code host[:port](,host[:port])*[/chroot]}. */
    static String zookeeper(String text) {
        String t = text.trim();
        int slash = t.indexOf('/');
        String hosts = slash < 0 ? t : t.substring(0, slash);
        boolean ok = !hosts.isEmpty() && (slash < 0 || t.length() > slash + 1);
        for (String hostPort : hosts.split(",", -1)) {
            int colon = hostPort.lastIndexOf(':');
            boolean bracketed = hostPort.endsWith("]");
            String host = colon < 0 || bracketed ? hostPort : hostPort.substring(0, colon);
            ok &= HOST.matcher(host).matches();
            if (ok && colon >= 0 && !bracketed) {
                try {
                    port(hostPort.substring(colon + 1));
                } catch (IllegalArgumentException e) {
                    ok = false;
                }
            }
        }
        if (!ok || t.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException(
                    "'" + text + "' is not a ZooKeeper connect string (host:port[,host:port...][/chroot])");
        }
        return t;
    }

    static String group(String text) {
        return matching(
                text, GROUP, "a group name (1-63 letters, digits, '.', '_' or '-', starting and ending alphanumeric)");
    }

    /** The name of a volume of a pod (an RFC 1123 label). */
    static String volumeName(String text) {
        return matching(
                text,
                DNS_LABEL,
                "a volume name (an RFC 1123 label: 1-63 of lowercase letters, digits and '-', starting and ending"
                        + " alphanumeric)");
    }

    /** The name of a Secret (an RFC 1123 subdomain). */
    static String secretName(String text) {
        return matching(
                text,
                DNS_SUBDOMAIN,
                "a Secret name (an RFC 1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending"
                        + " alphanumeric)");
    }

    /** The trimmed text if it matches {@code pattern}; else "'TEXT' is not WHAT". */
    private static String matching(String text, Pattern pattern, String what) {
        String t = text.trim();
        if (!pattern.matcher(t).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not " + what);
        }
        return t;
    }

    /** One of {@code allowed}, compared ignoring case; returned in lower case. */
    static String oneOf(String text, String... allowed) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (!List.of(allowed).contains(t)) {
            throw new IllegalArgumentException("'" + text + "' is not one of " + String.join(", ", allowed));
        }
        return t;
    }
}
