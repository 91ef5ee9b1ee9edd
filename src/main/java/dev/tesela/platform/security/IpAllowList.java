package dev.tesela.platform.security;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * A list of IP addresses and CIDR ranges (v4 and v6), e.g. {@code 10.0.0.0/8, 127.0.0.1, ::1}. Empty allows every
 * address. Immutable, thread-safe. Entries are literals only (no host names, so no DNS at start-up or per request).
 */
public final class IpAllowList {
    private record Range(byte[] network, int prefix) {}

    private final List<Range> ranges;

    private IpAllowList(List<Range> ranges) {
        this.ranges = List.copyOf(ranges);
    }

    /** Parses a comma-separated list; throws IllegalArgumentException naming the first bad entry. */
    public static IpAllowList parse(String text) {
        List<Range> ranges = new ArrayList<>();
        if (text != null) {
            for (String raw : text.split(",")) {
                String entry = raw.strip();
                if (entry.isEmpty()) {
                    continue;
                }
                String[] parts = entry.split("/", 2);
                byte[] address = literal(parts[0]);
                if (address == null) {
                    throw new IllegalArgumentException("not an IP address or CIDR range: '" + entry + "'");
                }
                int prefix = address.length * 8;
                if (parts.length == 2) {
                    try {
                        prefix = Integer.parseInt(parts[1]);
                    } catch (NumberFormatException e) {
                        prefix = -1;
                    }
                    if (prefix < 0 || prefix > address.length * 8) {
                        throw new IllegalArgumentException("bad prefix length in '" + entry + "'");
                    }
                }
                ranges.add(new Range(address, prefix));
            }
        }
        return new IpAllowList(ranges);
    }

    public boolean allowsEveryone() {
        return ranges.isEmpty();
    }

    public boolean allows(String ip) {
        if (ranges.isEmpty()) {
            return true;
        }
        byte[] address = literal(ip);
        if (address == null) {
            return false;
        }
        for (Range r : ranges) {
            if (r.network().length == address.length && matches(r.network(), address, r.prefix())) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(byte[] network, byte[] address, int prefix) {
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (network[i] != address[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xff << (8 - rest) & 0xff;
        return (network[full] & mask) == (address[full] & mask);
    }

    /** The bytes of an IP literal (IPv4-mapped IPv6 as IPv4), or null for anything that is not one. */
    private static byte[] literal(String text) {
        if (text == null) {
            return null;
        }
        String s = text.strip();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        if (s.isEmpty()
                || !(s.matches("[0-9.]+") && s.chars().filter(c -> c == '.').count() == 3 || s.contains(":"))
                || !s.matches("[0-9A-Fa-f:.%a-zA-Z]+")) {
            return null;
        }
        try {
            return InetAddress.getByName(s).getAddress(); // literals only: the checks above exclude host names
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
