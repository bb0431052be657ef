package io.koordinator.init;

import io.netty.util.NetUtil;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The IPv6 addresses of the network namespace init runs in, as the kernel lists them in
 * {@code /proc/net/if_inet6} (one line per address: address, interface index, prefix length, scope, flags,
 * interface name; see {@code proc(5)}).
 *
 * @param stack false if the kernel has no IPv6 here (the file is missing: IPv6 not built in, or booted with
 *     {@code ipv6.disable=1})
 * @param addresses addresses other than loopback and link-local, as {@code fd00::10 on eth0}: a client outside
 *     the pod can reach the app port on each of them
 * @param linkLocal link-local addresses ({@code fe80::/10}), reachable only from the pod's own link (the node)
 */
public record Ipv6Presence(boolean stack, List<String> addresses, List<String> linkLocal) {

    /** Where the kernel lists the namespace's IPv6 addresses. */
    public static final Path IF_INET6 = Path.of("/proc/net/if_inet6");

    /** No IPv6 in the kernel. */
    public static final Ipv6Presence NONE = new Ipv6Presence(false, List.of(), List.of());

    /** {@code IPV6_ADDR_LOOPBACK} and {@code IPV6_ADDR_LINKLOCAL}, the scope column of if_inet6. */
    private static final int SCOPE_HOST = 0x10;

    private static final int SCOPE_LINK = 0x20;

    public Ipv6Presence {
        addresses = List.copyOf(addresses);
        linkLocal = List.copyOf(linkLocal);
    }

    /** Reads {@code file} (normally {@link #IF_INET6}); a missing file means no IPv6 stack. */
    public static Ipv6Presence read(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (NoSuchFileException e) {
            return NONE;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Parses the content of {@code /proc/net/if_inet6}; lines that do not have six fields are ignored. */
    public static Ipv6Presence parse(String content) {
        List<String> addresses = new ArrayList<>();
        List<String> linkLocal = new ArrayList<>();
        for (String line : content.lines().map(String::strip).toList()) {
            String[] fields = line.split("\\s+");
            if (fields.length != 6 || fields[0].length() != 32) {
                continue;
            }
            int scope = Integer.parseInt(fields[3], 16);
            String address = NetUtil.bytesToIpAddress(HexFormat.of().parseHex(fields[0])) + " on " + fields[5];
            if (scope == SCOPE_LINK) {
                linkLocal.add(address);
            } else if (scope != SCOPE_HOST) {
                addresses.add(address);
            }
        }
        return new Ipv6Presence(true, addresses, linkLocal);
    }

    /** One phrase for log lines and messages, e.g. {@code IPv6 addresses [fd00::10 on eth0]}. */
    public String describe() {
        if (!stack) {
            return "no IPv6 in the kernel (" + IF_INET6 + " is missing)";
        }
        if (!addresses.isEmpty()) {
            return "IPv6 addresses " + addresses;
        }
        if (!linkLocal.isEmpty()) {
            return "only link-local IPv6 addresses " + linkLocal;
        }
        return "no IPv6 address but loopback (IPv6 disabled)";
    }
}
